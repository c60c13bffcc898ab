// Resumable upload of bukti dukung. Progressive enhancement only: without this file the form posts the file whole.
// With it the file goes over tus to this portal in parts, a progress bar shows how far it got, and when a school's
// connection drops the upload goes on from the last part the server kept instead of starting again.
(function () {
  "use strict";
  var PART_BYTES = 1024 * 1024; // small enough that a dropped part costs little on a slow line
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var form = document.querySelector("form[data-unggah]");
    if (!form || !window.tus || !window.tus.isSupported) return;
    var d = form.dataset;
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("[data-kemajuan]");
    var status = form.querySelector("[data-status]");
    var resume = form.querySelector("[data-lanjutkan]");
    var submit = form.querySelector("button[type=submit]");
    var upload = null;
    var stalled = false;

    function say(text) { status.textContent = text; }
    function value(name) { var field = form.elements[name]; return field ? field.value : ""; }

    function stall(text) {
      stalled = true;
      say(text);
      resume.hidden = false;
      submit.removeAttribute("disabled");
    }

    function failed(error) {
      var response = error && error.originalResponse;
      var body = response ? response.getBody() : "";
      // A refusal from the portal carries its message in Indonesian; no answer at all is a dropped connection.
      if (response && response.getStatus() >= 400 && response.getStatus() < 500 && body) {
        stalled = false;
        upload = null;
        resume.hidden = true;
        say(d.pesanGagal + " " + body);
        submit.removeAttribute("disabled");
      } else {
        stall(d.pesanTerputus);
      }
    }

    function metadata(file) {
      var meta = { filename: file.name, kategori: value("kategori") };
      if (value("tanggal_dokumen")) meta.tanggal_dokumen = value("tanggal_dokumen");
      return meta;
    }

    function start(file) {
      upload = new window.tus.Upload(file, {
        endpoint: d.unggah,
        headers: { "X-CSRF-Token": d.csrf },
        metadata: metadata(file),
        chunkSize: PART_BYTES,
        retryDelays: RETRY_DELAYS,
        removeFingerprintOnSuccess: true,
        // The key a half-done upload is remembered by in this browser: no file name (it may name a person).
        fingerprint: function (f, options) {
          return Promise.resolve(["pmm-bukti", f.size, f.lastModified, options.endpoint, value("kategori")].join("-"));
        },
        onProgress: function (sent, total) {
          bar.max = total;
          bar.value = sent;
          say(d.pesanMengunggah.replace("{persen}", String(Math.floor((sent / total) * 100))));
        },
        onError: failed,
        onSuccess: function () {
          say(d.pesanSelesai);
          window.location.assign(d.selesai);
        }
      });
      bar.hidden = false;
      submit.setAttribute("disabled", "disabled");
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      });
    }

    form.addEventListener("submit", function (event) {
      var file = input.files && input.files[0];
      if (!file) return; // the portal answers the plain post with "pilih berkas" beside the field
      event.preventDefault();
      // This form stays on the page while it uploads: portal.js's once-only lock on sent forms is not for it.
      event.stopPropagation();
      if (d.maks && file.size > Number(d.maks)) { say(d.pesanBesar); return; }
      resume.hidden = true;
      stalled = false;
      start(file);
    });

    resume.addEventListener("click", function () {
      if (!upload) return;
      resume.hidden = true;
      stalled = false;
      submit.setAttribute("disabled", "disabled");
      upload.start(); // asks the portal how much arrived (HEAD) and sends only the rest
    });

    // Back online: go on by itself, as a teacher would have to tap "Lanjutkan" otherwise.
    window.addEventListener("online", function () { if (stalled) resume.click(); });
    window.addEventListener("offline", function () { if (upload && !stalled) say(d.pesanTerputus); });
  });
})();
