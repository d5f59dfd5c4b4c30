// Public API of src/rewards, re-exported by src/index.ts.
export {};
