// Sasa service worker. Three rules keep it from ever serving a stale app:
// 1. Pages always go to the network first; the cache is only an offline fallback.
// 2. /pkg files are cached only under content-hashed names (a new build = new names).
// 3. Old caches are deleted when a new worker activates.
// Offline, her today view, clinic visits and baby's care show as last rendered, marked as saved data;
// a form sent offline is refused with a clear message, never silently dropped.
const CACHE = "sasa-v6";
const PAGES = "sasa-pages-v1";
const SAVED_PAGES = ["/mum", "/mum/visits", "/mum/baby"];
// Its brand, as the page registered it (/sw.js?for=sasamum): the offline pages speak for it.
const BRAND = new URL(self.location.href).searchParams.get("for") || "";
const offlineUrl = (kind, lang) => `/offline.html?for=${encodeURIComponent(BRAND)}&kind=${kind}&lang=${lang}`;
const OFFLINE = ["page", "form"].flatMap((kind) => [offlineUrl(kind, ""), offlineUrl(kind, "sw")]);
const PRECACHE = [...OFFLINE, "/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png"];
// The language of the last page the server sent (its Content-Language, from her sasa_lang
// cookie), kept so the offline answers speak it: Kiswahili only, or both languages until known.
const LANGUAGE_KEY = "/__language";

async function rememberLanguage(response) {
  const language = response.headers.get("content-language");
  if (language) await (await caches.open(CACHE)).put(LANGUAGE_KEY, new Response(language));
}

async function language() {
  const saved = await (await caches.open(CACHE)).match(LANGUAGE_KEY);
  return saved ? saved.text() : "";
}

// Kiswahili alone once she reads it; until her language is known, every language the brand speaks.
async function offlinePage(kind = "page") {
  return caches.match(offlineUrl(kind, (await language()) === "sw" ? "sw" : ""));
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE && k !== PAGES).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// "/pkg/sasafish.Ab3d9.wasm" has a hash; "/pkg/sasafish.wasm" does not.
const isHashedBundle = (url) => url.pathname.startsWith("/pkg/") && url.pathname.split("/").pop().split(".").length >= 3;

// The saved copy says it is one: <html data-offline> shows the banner (style/main.css).
// With a PIN, the server said until when the page was unlocked (x-saved-until, Unix seconds):
// past that the copy is deleted, never shown, so a locked phone shows nothing of hers offline.
async function savedCopy(request) {
  const path = new URL(request.url).pathname;
  const pages = await caches.open(PAGES);
  const saved = await pages.match(path);
  const until = Number(saved?.headers.get("x-saved-until") ?? Infinity);
  if (saved && Date.now() / 1000 >= until) await pages.delete(path);
  if (!saved || Date.now() / 1000 >= until) return offlinePage();
  const html = (await saved.text()).replace(/<html([^>]*)>/, '<html$1 data-offline="true">');
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  // Locking the phone, signing out, or setting a PIN (copies saved before it have no
  // x-saved-until) drops every saved copy at once.
  if (request.method === "POST" && ["/api/mum/lock", "/api/auth/logout", "/api/mum/pin"].includes(url.pathname)) {
    event.waitUntil(caches.delete(PAGES));
  }

  if (request.method !== "GET") {
    // A form posted without the app loaded: say plainly that it was not saved.
    if (request.mode === "navigate") {
      event.respondWith(
        fetch(request).catch(
          async () =>
            new Response((await (await offlinePage("form"))?.text()) ?? "<!doctype html><title>Offline</title><h1>Offline: nothing was saved</h1>", {
              status: 503,
              headers: { "content-type": "text/html; charset=utf-8" },
            }),
        ),
      );
    }
    return;
  }

  if (request.mode === "navigate") {
    const keep = SAVED_PAGES.includes(url.pathname) && url.search === "";
    event.respondWith(
      fetch(request)
        .then((response) => {
          event.waitUntil(rememberLanguage(response));
          // Only her own signed-in page is kept; a redirect to the login page is not.
          if (keep && response.ok && !response.redirected) {
            const copy = response.clone();
            event.waitUntil(caches.open(PAGES).then((cache) => cache.put(url.pathname, copy)));
          }
          return response;
        })
        .catch(() => (keep ? savedCopy(request) : offlinePage())),
    );
    return;
  }

  if (isHashedBundle(url)) {
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const hit = await cache.match(request);
        if (hit) return hit;
        const response = await fetch(request);
        if (response.ok) cache.put(request, response.clone());
        return response;
      }),
    );
  }
  // Everything else (server functions, APIs, unhashed files) goes straight to the network.
});

// An alert from the server (Web Push, app/src/alerts): {title, body, url}, shown at once.
self.addEventListener("push", (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(alert.title || "New activity", {
      body: alert.body || "",
      icon: "/icons/icon-192.png",
      // Only a path of ours ("/pro/inbox"; never "//elsewhere").
      data: { url: typeof alert.url === "string" && /^\/(?!\/)/.test(alert.url) ? alert.url : "/" },
    }),
  );
});

// Tapping it opens its page: the window already showing it, or a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => w.url === url);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
