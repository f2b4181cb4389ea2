/** `agentvault/stores` (placeholder until the area lands). */
export {};
