import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's headless Chromium, driven by playwright-core (which brings no browser of
 * its own; Playwright gives it a fresh profile). It trusts exactly one certificate key
 * besides the system's: `spki`, the base64 SHA-256 of the test certificate's public
 * key, so a page that loads shows the TLS the stack really serves. Without the
 * background-networking flags Chromium tries to reach Google, which this machine refuses.
 */
export function launchChromium(spki: string): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
}
