/* Omni's service worker: when a page cannot be loaded for want of network, the offline page
   shows instead of the browser's error. It caches nothing else (no customer data on a shared
   tablet); requests that are not page loads go to the network untouched. */
"use strict";
const CACHE = "{{ cache_name|escapejs }}";
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const ASSETS = [{% for asset in assets %}"{{ asset|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
  } else if (request.method === "GET" && ASSETS.includes(new URL(request.url).pathname)) {
    // The offline page's own style and icon, from the network when there is one.
    event.respondWith(fetch(request).catch(() => caches.match(request)));
  }
});
