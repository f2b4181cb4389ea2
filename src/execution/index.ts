/** `agentvault/execution` (placeholder until the area lands). */
export {};
