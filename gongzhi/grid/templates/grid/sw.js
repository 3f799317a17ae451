/* The grid worker pages' service worker (served by gongzhi.grid.field_views.service_worker).
   Background Sync: the page mirrors its offline queue into IndexedDB and registers the sync tag;
   when the network returns the browser wakes this worker, which sends each record (with the key the
   phone gave it, so a record the page sends too still arrives once) and tells the open pages. */
const CACHE = "{{ version }}";
const PRECACHE = {{ precache|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // posts go to the network; the page queues them when offline
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
      }
      return response;
    }).catch(() => caches.match(url.pathname).then((hit) => hit || caches.match(PRECACHE[0]))));
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});

const IDB_NAME = "gz-field", IDB_STORE = "queue", SYNC_TAG = "gz-field-queue";

function openQueue() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(IDB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(IDB_STORE, { keyPath: "key" });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

function queued(db) {
  return new Promise((resolve, reject) => {
    const request = db.transaction(IDB_STORE).objectStore(IDB_STORE).getAll();
    request.onsuccess = () => resolve(request.result || []);
    request.onerror = () => reject(request.error);
  });
}

function drop(db, key) {
  return new Promise((resolve) => {
    const tx = db.transaction(IDB_STORE, "readwrite");
    tx.objectStore(IDB_STORE).delete(key);
    tx.oncomplete = tx.onerror = tx.onabort = () => resolve();
  });
}

function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true, type: "window" })
    .then((clients) => clients.forEach((client) => client.postMessage(message)));
}

function sendOne(db, item) {
  return fetch(item.sync, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": item.csrf },
    body: JSON.stringify({ key: item.key, kind: item.kind, data: item.data, photos: item.photos }),
  }).then((response) => {
    const type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") < 0) return false; // signed out: the page asks to sign in again
    if (!response.ok && response.status !== 400 && response.status !== 409) {
      throw new Error("server " + response.status); // try again later
    }
    return response.json().then((answer) => drop(db, item.key).then(() => tell({
      type: "gz-field-sent", key: item.key, owner: item.owner, ok: response.ok, ref: answer.ref || "",
      error: Object.values(answer.errors || {}).join("；"),
    }))).then(() => true);
  });
}

function sendQueue() {
  // A network failure rejects, so the browser fires the sync again later.
  return openQueue().then((db) => queued(db).then((items) => items.reduce(
    (chain, item) => chain.then(() => sendOne(db, item)), Promise.resolve())).finally(() => db.close()));
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendQueue());
});
