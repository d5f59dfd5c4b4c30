/**
 * The one acceptance rule of every pool optimizer: a child replaces its parent only when its total on the
 * same examples is strictly higher (GEPA's minibatch gate; OPRO, OMEGA and few-shot pick on the batch the
 * same way). Merges may also tie their better parent, since they combine already-accepted changes.
 */
export function beats(child: readonly { score: number }[], parent: readonly { score: number }[], options: { ties?: boolean } = {}): boolean {
  const childTotal = total(child);
  const parentTotal = total(parent);
  return options.ties ? childTotal >= parentTotal : childTotal > parentTotal;
}

export function total(scores: readonly { score: number }[]): number {
  return scores.reduce((sum, s) => sum + s.score, 0);
}

export function mean(scores: readonly { score: number }[]): number {
  return scores.length === 0 ? 0 : total(scores) / scores.length;
}
