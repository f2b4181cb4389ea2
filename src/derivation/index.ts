/** `agentvault/derivation` (placeholder until the area lands). */
export {};
