/** `agentvault/messages` (placeholder until the area lands). */
export {};
