// The demo page's label for a session's client, from its User-Agent header: "Safari on iOS", "Chrome on Android".
// A plain script (the page loads it before app.js); __tests__/edge/client-label.test.ts runs it with real UA strings.
(function (global) {
  'use strict';

  /** The browser: the most specific token first, since Chromium browsers also say "Safari" and Edge also says "Chrome". */
  function browserOf(userAgent) {
    if (/\bEdg(e|A|iOS)?\//.test(userAgent)) return 'Edge';
    if (/\bOPR\/|\bOPiOS\//.test(userAgent)) return 'Opera';
    if (/\bSamsungBrowser\//.test(userAgent)) return 'Samsung Internet';
    if (/\bFirefox\/|\bFxiOS\//.test(userAgent)) return 'Firefox';
    if (/\bCriOS\//.test(userAgent)) return 'Chrome';
    if (/\bChromium\//.test(userAgent)) return 'Chromium';
    if (/\b(Headless)?Chrome\//.test(userAgent)) return 'Chrome';
    if (/\bSafari\//.test(userAgent)) return 'Safari';
    // Not a browser we know (curl/8.5.0, a library's client): its first product token.
    return userAgent.split(/[\s/]/)[0];
  }

  /**
   * The system. iPhone and iPad user agents say "like Mac OS X" (and Android ones "Linux"), so those are tested first;
   * an iPad in desktop mode says Macintosh and cannot be told from a Mac.
   */
  function systemOf(userAgent) {
    if (/\biPad\b/.test(userAgent)) return 'iPadOS';
    if (/\b(iPhone|iPod)\b/.test(userAgent)) return 'iOS';
    if (/\bAndroid\b/.test(userAgent)) return 'Android';
    if (/\bCrOS\b/.test(userAgent)) return 'ChromeOS';
    if (/\bWindows\b/.test(userAgent)) return 'Windows';
    if (/\bMac OS X\b|\bMacintosh\b/.test(userAgent)) return 'macOS';
    if (/\bLinux\b/.test(userAgent)) return 'Linux';
    return '';
  }

  /** "Browser on System", the browser alone when the system is unknown, or "An unknown client". */
  function describeClient(userAgent) {
    if (!userAgent) return 'An unknown client';
    const browser = browserOf(userAgent);
    const system = systemOf(userAgent);
    return system ? browser + ' on ' + system : browser;
  }

  global.describeClient = describeClient;
})(typeof window !== 'undefined' ? window : globalThis);
