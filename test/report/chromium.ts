import { chromium, type Browser } from "playwright-core";

/** Where CI installs Chromium (.ci/system-deps.sh). */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless Chromium with nothing of its own going to the network, so a report's requests are its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
