/* The grid worker's phone pages (gongzhi/grid/field_views.py): a form is kept in a localStorage
   queue with an idempotency key made here, then sent to /grid/m/sync/; with the network down it
   stays queued and is sent when the network returns. The server makes each key's record once, so
   a record sent twice (the answer lost on the way back) still arrives once. */
(function () {
  "use strict";
  var body = document.body;
  var SYNC = body.dataset.sync;
  var QUEUE_KEY = "gz-field-queue-" + (body.dataset.user || "anon");
  var MAX_SIDE = 1280;
  var sending = false;

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function readQueue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(items) {
    window.localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    mirror(items);
  }

  /* Background Sync: the service worker cannot read localStorage, so the queue is mirrored into
     IndexedDB (each record with the sync URL and the CSRF token it needs); where the browser has
     Background Sync the worker sends it when the network returns, even with the page closed. The
     page still sends on load and on `online` (browsers without it): a record both send arrives
     once, because the server makes each key's record once. */
  var IDB_NAME = "gz-field", IDB_STORE = "queue", SYNC_TAG = "gz-field-queue";
  function idb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var open = window.indexedDB.open(IDB_NAME, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(IDB_STORE, { keyPath: "key" }); };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function mirror(items) {
    /* This user's records in IndexedDB become exactly `items` (other users' are left alone). */
    return idb().then(function (db) {
      return new Promise(function (resolve) {
        var tx = db.transaction(IDB_STORE, "readwrite");
        var store = tx.objectStore(IDB_STORE);
        var keep = {};
        items.forEach(function (item) { keep[item.key] = true; });
        store.openCursor().onsuccess = function (event) {
          var cursor = event.target.result;
          if (!cursor) return;
          if (cursor.value.owner === QUEUE_KEY && !keep[cursor.value.key]) cursor.delete();
          cursor.continue();
        };
        items.forEach(function (item) {
          store.put({ key: item.key, kind: item.kind, data: item.data, photos: item.photos, owner: QUEUE_KEY,
                      sync: SYNC, csrf: csrf() });
        });
        tx.oncomplete = function () { db.close(); resolve(); };
        tx.onerror = tx.onabort = function () { db.close(); resolve(); };
      });
    }).catch(function () {});
  }
  function askBackgroundSync() {
    if (!("serviceWorker" in navigator) || !("SyncManager" in window)) return Promise.resolve(false);
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync.register(SYNC_TAG).then(function () { return true; });
    }).catch(function () { return false; });
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : body.dataset.csrf;
  }

  var note = document.getElementById("queue-note");
  function showQueue(text) {
    if (!note) return;
    var n = readQueue().length;
    note.hidden = !n && !text;
    note.textContent = text || note.dataset.template.replace("{n}", n);
    note.dataset.count = String(n);
  }

  var net = document.getElementById("net-state");
  function showNet() {
    if (!net) return;
    net.textContent = navigator.onLine ? net.dataset.online : net.dataset.offline;
    net.className = "net " + (navigator.onLine ? "online" : "offline");
  }

  function shrink(file) {
    /* A photo re-drawn at most MAX_SIDE px as JPEG: small enough for the phone's storage. */
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var img = new Image();
        img.onerror = function () { resolve({ name: file.name, data: reader.result }); };
        img.onload = function () {
          var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(img.width * scale));
          canvas.height = Math.max(1, Math.round(img.height * scale));
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve({ name: file.name.replace(/\.\w+$/, "") + ".jpg", data: canvas.toDataURL("image/jpeg", 0.85) });
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function send(item) {
    return fetch(SYNC, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ key: item.key, kind: item.kind, data: item.data, photos: item.photos })
    });
  }

  function flush() {
    /* Send the queue in order; stop at the first network failure (try again when online). */
    if (sending) return Promise.resolve();
    var items = readQueue();
    if (!items.length) { showQueue(); return Promise.resolve(); }
    sending = true;
    showQueue(note && note.dataset.sending);
    var chain = Promise.resolve(true);
    items.forEach(function (item) {
      chain = chain.then(function (go) {
        if (!go) return false;
        return send(item).then(function (response) {
          var ct = response.headers.get("Content-Type") || "";
          if (ct.indexOf("application/json") < 0) {  // signed out: the sign-in page came back
            showQueue(note && note.dataset.relogin);
            return false;
          }
          return response.json().then(function (answer) {
            var rest = readQueue().filter(function (q) { return q.key !== item.key; });
            if (response.ok) {
              writeQueue(rest);
              announce(item, answer.ref, true);
            } else if (response.status === 400 || response.status === 409) {
              writeQueue(rest);  // it can never be made: say why, do not retry forever
              announce(item, Object.values(answer.errors || {}).join("；"), false);
            } else {
              return false;
            }
            return true;
          });
        }, function () { return false; });
      });
    });
    function done() {
      sending = false;
      showQueue();
      if (readQueue().length) askBackgroundSync();  // not all sent: the worker tries when the network returns
    }
    return chain.then(done, done);
  }

  function announce(item, ref, ok) {
    var status = document.querySelector("form[data-queue] [data-status]");
    var form = document.querySelector("form[data-queue]");
    if (!status || !form) return;
    status.textContent = ok ? form.dataset.done.replace("{ref}", ref || "") : ref;
    status.dataset.ref = ok ? (ref || "") : "";
    status.className = "field-status " + (ok ? "ok" : "error");
  }

  function queueForm(form) {
    var fd = new FormData(form);
    var data = {};
    fd.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "key" || name === "photos") return;
      data[name] = name === "needs_help" ? true : value;
    });
    var input = form.querySelector("input[type=file]");
    var files = input ? Array.prototype.slice.call(input.files, 0, 3) : [];
    return Promise.all(files.map(shrink)).then(function (photos) {
      var items = readQueue();
      items.push({ key: newKey(), kind: form.dataset.queue, data: data, photos: photos, at: new Date().toISOString() });
      writeQueue(items);
      form.reset();
      var status = form.querySelector("[data-status]");
      if (status) { status.textContent = form.dataset.saved; status.className = "field-status saved"; }
      showQueue();
      if (navigator.onLine) return flush();
      askBackgroundSync();
      return null;
    });
  }

  document.querySelectorAll("form[data-queue]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      queueForm(form).catch(function () { form.submit(); });  // storage full: post it as a plain form
    });
  });

  document.querySelectorAll("[data-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = button.form;
      if (!navigator.geolocation) { button.textContent = button.dataset.unlocated; return; }
      button.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lon.value = pos.coords.longitude.toFixed(6);
        if (form.elements.accuracy) form.elements.accuracy.value = Math.round(pos.coords.accuracy);
        button.textContent = button.dataset.located;
      }, function () { button.textContent = button.dataset.unlocated; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });

  if ("serviceWorker" in navigator) {
    /* The worker sent a record (Background Sync): drop it here too and say so. */
    navigator.serviceWorker.addEventListener("message", function (event) {
      var m = event.data || {};
      if (m.type !== "gz-field-sent" || m.owner !== QUEUE_KEY) return;
      var item = null;
      var rest = readQueue().filter(function (q) { if (q.key === m.key) item = q; return q.key !== m.key; });
      if (!item) return;
      writeQueue(rest);
      announce(item, m.ok ? m.ref : m.error, m.ok);
      showQueue();
    });
  }

  window.addEventListener("online", function () { showNet(); flush(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && navigator.onLine) flush();
  });
  window.addEventListener("offline", showNet);
  showNet();
  showQueue();
  if (navigator.onLine) flush();

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(function () {});
  }
  mirror(readQueue());  // a queue written before this version (or by a plain reload) reaches IndexedDB too
  window.gzField = { flush: flush, queue: readQueue, backgroundSync: askBackgroundSync };
})();
