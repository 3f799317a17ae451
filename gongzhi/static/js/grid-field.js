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
  function writeQueue(items) { window.localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); }

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
    return chain.then(function () { sending = false; showQueue(); },
                      function () { sending = false; showQueue(); });
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
      return navigator.onLine ? flush() : null;
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

  window.addEventListener("online", function () { showNet(); flush(); });
  window.addEventListener("offline", showNet);
  showNet();
  showQueue();
  if (navigator.onLine) flush();

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(function () {});
  }
  window.gzField = { flush: flush, queue: readQueue };
})();
