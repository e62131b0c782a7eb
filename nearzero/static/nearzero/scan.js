/* The check-in scan page: camera (jsQR), typed code or name search; offline queue.
 *
 * Every scan gets a client nonce (crypto.randomUUID) before it is sent, so a retry, a
 * double tap or a re-upload never counts twice: the server answers "already checked in".
 * Scans that cannot reach the server wait in localStorage and upload in one request when
 * the browser is back online (or when the page opens again).
 *
 * Requests carry the page's scan grant (Authorization: Bearer), which the server checks in
 * the same database round trip as the check-in. A staff member's page gets its grant with
 * the page; a volunteer's scanner link carries it after "#" (never sent to the server as
 * part of the URL): the page moves it into sessionStorage and out of the address bar.
 */
(function () {
  "use strict";
  const root = document.getElementById("scan");
  if (!root) return;
  const config = JSON.parse(document.getElementById("scan-config").textContent);
  const text = JSON.parse(document.getElementById("scan-text").textContent);
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  const QUEUE_KEY = "nearzero.checkin.queue";
  const GRANT_KEY = "nearzero.scan.grant";
  const status = document.getElementById("scan-status");
  const count = document.getElementById("scan-count");
  const queued = document.getElementById("scan-queued");
  const log = document.getElementById("scan-log");
  const recent = new Map(); // token -> time, to ignore the same code held in front of the camera
  const lang = document.documentElement.lang || undefined;
  let flushing = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "n-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }
  function readQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(items) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
    const mine = items.filter((s) => s.event_id === config.event).length;
    queued.textContent = mine ? text.queued.replace("{n}", mine) : "";
    queued.hidden = !mine;
  }
  function show(kind, message) {
    status.className = "scan-status " + kind;
    status.textContent = message;
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = new Date().toLocaleTimeString(lang) + " · " + message;
    log.prepend(item);
    while (log.children.length > 20) log.lastChild.remove();
  }
  const link = Boolean(config.grant_url); // a volunteer's scanner link: no session
  function headers(extra, session) {
    const all = Object.assign({ "X-CSRFToken": csrf }, extra || {});
    if (config.grant && !session) all.Authorization = "Bearer " + config.grant;
    return all;
  }
  async function post(url, body, session) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({ "Content-Type": "application/json" }, session),
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) show("error", text.grant_invalid);
    return { ok: response.ok, status: response.status, data };
  }
  function onResult(data) {
    if (data.participations !== undefined) count.textContent = data.participations;
    const who = data.resident + (data.phone ? " " + data.phone : "");
    if (data.status === "checked_in") show("ok", text.checked_in.replace("{who}", who));
    else show("again", text.already.replace("{who}", who));
  }
  async function checkIn(body) {
    body.nonce = body.nonce || uuid();
    body.scanned_at = body.scanned_at || new Date().toISOString();
    try {
      if (!config.checkin_url) throw new Error("offline"); // a link opened without network
      const result = await post(config.checkin_url, body);
      if (result.ok) return onResult(result.data);
      if (result.status >= 500) throw new Error("server");
      if (result.status !== 401) show("error", result.data.detail || text.error);
    } catch (e) {
      if (!body.token) { show("error", text.offline_search); return; }
      const items = readQueue();
      items.push({ event_id: config.event, token: body.token, nonce: body.nonce, scanned_at: body.scanned_at });
      writeQueue(items);
      show("queued", text.saved_offline);
    }
  }
  async function flush() {
    const items = readQueue();
    if (flushing || !items.length || !navigator.onLine) return;
    flushing = true; // one upload at a time: "online" may fire while the page-load flush runs
    try {
      // Staff upload the whole queue (any event they scanned at) with their session; a
      // scanner link only its own event's scans, which it may have queued before it knew
      // its event (opened without network).
      const scans = link
        ? items.filter((s) => s.event_id == null || s.event_id === config.event)
            .map((s) => Object.assign({}, s, { event_id: config.event }))
        : items;
      if (!scans.length || scans.some((s) => s.event_id == null)) return;
      const result = await post(config.queue_url, { scans }, !link);
      if (!result.ok) return;
      const done = new Set(result.data.results.map((r) => r.nonce));
      writeQueue(readQueue().filter((s) => !done.has(s.nonce)));
      const fresh = result.data.results.filter((r) => r.status === "checked_in").length;
      show("ok", text.uploaded.replace("{n}", fresh).replace("{m}", result.data.results.length));
      const figures = await fetch(config.figures_url, { credentials: "same-origin", headers: headers() });
      if (figures.ok) count.textContent = (await figures.json()).participations;
    } catch (e) { /* still offline: keep the queue */ } finally { flushing = false; }
  }
  function scanned(token, fromCamera) {
    token = token.trim();
    if (fromCamera) {
      // A code held in front of the camera is read many times a second: send it once.
      const last = recent.get(token);
      if (last && Date.now() - last < 4000) return;
      recent.set(token, Date.now());
    }
    checkIn({ token });
  }

  // Typed code (or a USB/Bluetooth scanner that types and presses Enter).
  document.getElementById("scan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("scan-token");
    if (input.value.trim()) scanned(input.value);
    input.value = "";
  });

  // Name or phone search fallback (signed-in staff only: residents' names).
  const search = document.getElementById("search-form");
  const results = document.getElementById("search-results");
  if (search) search.addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = document.getElementById("search-q").value.trim();
    if (!q) return;
    const response = await fetch(config.search_url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf },
      body: new URLSearchParams({ q }),
    });
    const data = await response.json();
    results.replaceChildren();
    if (!data.results.length) { results.textContent = text.no_match; return; }
    for (const r of data.results) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = r.checked_in ? text.done : text.check_in;
      button.disabled = r.checked_in;
      button.addEventListener("click", () => { button.disabled = true; button.textContent = text.done; checkIn({ resident_id: r.id }); });
      li.append(r.name + " " + r.phone + (r.site ? " · " + r.site : "") + " ", button);
      results.append(li);
    }
  });

  // Camera.
  const video = document.getElementById("scan-video");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null;
  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      const w = video.videoWidth, h = video.videoHeight;
      const scale = Math.min(1, 640 / Math.max(w, h));
      canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR && jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (code && code.data) scanned(code.data, true);
    }
    requestAnimationFrame(tick);
  }
  const cameraButton = document.getElementById("camera-start");
  function stopCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    cameraButton.textContent = text.camera_open;
  }
  cameraButton.addEventListener("click", async () => {
    if (stream) { stopCamera(); return; } // the same button stops it (and the battery drain)
    cameraButton.disabled = true; // one stream, however many taps while the camera starts
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      requestAnimationFrame(tick);
      cameraButton.textContent = text.camera_stop;
      show("info", text.camera_on);
    } catch (e) {
      stopCamera();
      show("error", text.no_camera);
    } finally {
      cameraButton.disabled = false;
    }
  });

  // A scanner link: its grant is after "#"; ask the server which event it is for.
  async function openLink() {
    const fromUrl = location.hash.slice(1);
    if (fromUrl) {
      sessionStorage.setItem(GRANT_KEY, fromUrl);
      history.replaceState(null, "", location.pathname + location.search);
    }
    config.grant = sessionStorage.getItem(GRANT_KEY);
    if (!config.grant) { show("error", text.no_link); return false; }
    try {
      const response = await fetch(config.grant_url, { headers: headers() });
      if (response.status === 401) { show("error", text.grant_invalid); return false; }
      const info = await response.json();
      config.event = info.event.id;
      config.checkin_url = info.checkin_url;
      config.figures_url = info.figures_url;
      document.getElementById("scan-crumbs").textContent = info.event.title + " · " + info.event.site;
      count.textContent = info.figures.participations;
    } catch (e) { /* offline: scans wait in the queue until the link can be checked */ }
    return true;
  }

  async function start() {
    if (config.grant_url && !(await openLink())) {
      cameraButton.disabled = true;
      return;
    }
    window.addEventListener("online", flush);
    writeQueue(readQueue());
    flush();
  }
  start();
})();
