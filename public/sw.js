// Sasa service worker. Three rules keep it from ever serving a stale app:
// 1. Pages always go to the network first; the cache is only an offline fallback.
// 2. /pkg files are cached only under content-hashed names (a new build = new names).
// 3. Old caches are deleted when a new worker activates.
const CACHE = "sasa-v1";
const OFFLINE_URL = "/offline.html";
const PRECACHE = [OFFLINE_URL, "/manifest.webmanifest", "/icons/icon.svg", "/icons/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// "/pkg/sasafish.Ab3d9.wasm" has a hash; "/pkg/sasafish.wasm" does not.
const isHashedBundle = (url) => url.pathname.startsWith("/pkg/") && url.pathname.split("/").pop().split(".").length >= 3;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;

  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(() => caches.match(OFFLINE_URL)),
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
