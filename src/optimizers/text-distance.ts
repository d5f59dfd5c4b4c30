import type { EmbeddingsInterface } from "@langchain/core/embeddings";

/** Measures how different candidate texts are, in [0, 1] for the lexical case. Implementations cache. */
export interface TextDistance {
  /** Prepares the distances among `texts` (e.g. one embedding call for the texts not seen yet). */
  prepare(texts: readonly string[], signal?: AbortSignal): Promise<void>;
  distance(a: string, b: string): number;
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** 1 − Jaccard similarity of the word sets: no model needed, good enough to tell rewrites apart. */
export class LexicalDistance implements TextDistance {
  private readonly cache = new Map<string, number>();

  async prepare(): Promise<void> {}

  distance(a: string, b: string): number {
    if (a === b) return 0;
    const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
    let value = this.cache.get(key);
    if (value === undefined) {
      const left = words(a);
      const right = words(b);
      const shared = [...left].filter((w) => right.has(w)).length;
      const union = left.size + right.size - shared;
      value = union === 0 ? 0 : 1 - shared / union;
      this.cache.set(key, value);
    }
    return value;
  }
}

/**
 * Cosine distance between LangChain embeddings. Each text is embedded once (cached by its content) and all
 * new texts of a step go in one `embedDocuments` call, so a population costs O(new candidates), not O(N²).
 */
export class EmbeddingDistance implements TextDistance {
  private readonly vectors = new Map<string, number[]>();

  constructor(private readonly embeddings: Pick<EmbeddingsInterface, "embedDocuments">) {}

  /** Texts embedded so far. */
  get embeddedCount(): number {
    return this.vectors.size;
  }

  async prepare(texts: readonly string[], signal?: AbortSignal): Promise<void> {
    const missing = [...new Set(texts)].filter((text) => !this.vectors.has(text));
    if (missing.length === 0) return;
    signal?.throwIfAborted();
    const vectors = await this.embeddings.embedDocuments(missing);
    missing.forEach((text, i) => this.vectors.set(text, vectors[i] ?? []));
  }

  distance(a: string, b: string): number {
    if (a === b) return 0;
    const left = this.vectors.get(a);
    const right = this.vectors.get(b);
    if (!left || !right) throw new Error("EmbeddingDistance.distance called before prepare() for these texts.");
    let dot = 0;
    let leftNorm = 0;
    let rightNorm = 0;
    for (let i = 0; i < Math.min(left.length, right.length); i++) {
      dot += (left[i] as number) * (right[i] as number);
      leftNorm += (left[i] as number) ** 2;
      rightNorm += (right[i] as number) ** 2;
    }
    if (leftNorm === 0 || rightNorm === 0) return 1;
    return 1 - dot / Math.sqrt(leftNorm * rightNorm);
  }
}
