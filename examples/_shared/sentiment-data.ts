import type { Example } from "../../src/index.js";

/** Product reviews labelled positive or negative; a third are sarcastic (praise words, bad experience). */
export interface Review {
  review: string;
  label: "positive" | "negative";
  sarcastic: boolean;
}

export const REVIEWS: readonly Review[] = [
  { review: "Great battery life, it lasts me two full days.", label: "positive", sarcastic: false },
  { review: "Terrible fit, the seams ripped on the first wash.", label: "negative", sarcastic: false },
  { review: "Oh great, it broke the day after the warranty ended. Just perfect.", label: "negative", sarcastic: true },
  { review: "I love how quiet it is, I can finally sleep.", label: "positive", sarcastic: false },
  { review: "Awful customer service, nobody answered for a week.", label: "negative", sarcastic: false },
  { review: "Wow, a phone case that cracks when you look at it. Amazing quality.", label: "negative", sarcastic: true },
  { review: "Excellent sound, the bass is deep and clean.", label: "positive", sarcastic: false },
  { review: "Waste of money, it stopped charging after a month.", label: "negative", sarcastic: false },
  { review: "Thanks a lot for the charger that melted. Best purchase ever.", label: "negative", sarcastic: true },
  { review: "Fantastic blender, smoothies in ten seconds.", label: "positive", sarcastic: false },
  { review: "The worst keyboard I have owned, keys stick constantly.", label: "negative", sarcastic: false },
  { review: "Yeah right, 'waterproof'. Love the puddle inside the screen.", label: "negative", sarcastic: true },
  { review: "Perfect size for my desk and easy to assemble.", label: "positive", sarcastic: false },
  { review: "Disappointing picture, everything looks washed out.", label: "negative", sarcastic: false },
  { review: "Just what I wanted: a kettle that takes twenty minutes. Wonderful.", label: "negative", sarcastic: true },
  { review: "Amazing value, works as well as the expensive brands.", label: "positive", sarcastic: false },
  { review: "Slow shipping and the box arrived crushed, refund requested.", label: "negative", sarcastic: false },
  { review: "Oh wonderful, the app logs me out every five minutes. Brilliant design.", label: "negative", sarcastic: true },
  { review: "Best headphones I have tried, comfortable for hours.", label: "positive", sarcastic: false },
  { review: "Terrible smell from the plastic that never goes away.", label: "negative", sarcastic: false },
  { review: "Great, another update that deletes my settings. Love it.", label: "negative", sarcastic: true },
  { review: "Wonderful little lamp, warm light and sturdy base.", label: "positive", sarcastic: false },
  { review: "Awful instructions, I needed three hours to set it up.", label: "negative", sarcastic: false },
  { review: "Brilliant, the 'unbreakable' mug shattered in the sink. Fantastic.", label: "negative", sarcastic: true },
];

export function toExample(review: Review, index: number): Example<{ review: string }, string> {
  return { id: `review-${index + 1}`, input: { review: review.review }, expected: review.label };
}

/** Even rows train, odd rows validate: both halves hold sarcastic reviews. */
export const TRAINSET = REVIEWS.map(toExample).filter((_, i) => i % 2 === 0);
export const VALSET = REVIEWS.map(toExample).filter((_, i) => i % 2 === 1);
