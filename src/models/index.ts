// Public API of src/models, re-exported by src/index.ts.
export {};
