// The visit minute form: signature drawn with a finger, the browser's location, blocks shown
// for some answers. No inline scripts (CSP). The form's client id comes from the server and is
// never changed here, so a retry posts the same id and never makes a second visit.
(() => {
  "use strict";

  function showBlocks(form) {
    form.querySelectorAll("[data-visit-show-for]").forEach((block) => {
      const checked = form.querySelector(`[name="${block.dataset.visitShowFor}"]:checked`);
      const values = block.dataset.showValues.split(" ");
      block.hidden = !(checked && values.includes(checked.value));
    });
  }

  function signaturePad(form) {
    const canvas = document.getElementById("signature-pad");
    const input = form.querySelector('input[name="signature"]');
    if (!canvas || !input) return;
    const ctx = canvas.getContext("2d");
    let drawing = false;
    let last = null;

    function size() {
      // Draw at the screen's resolution (at most 2×: a small PNG) and keep what was drawn.
      const ratio = Math.min(window.devicePixelRatio || 1, 2);
      const width = Math.round(canvas.clientWidth * ratio);
      const height = Math.round(canvas.clientHeight * ratio);
      if (!width || !height || (canvas.width === width && canvas.height === height)) return;
      canvas.width = width;
      canvas.height = height;
      redraw();
    }

    function redraw() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      if (!input.value.startsWith("data:image/png;base64,")) return;
      const image = new Image();
      image.onload = () => {
        const scale = Math.min(canvas.width / image.width, canvas.height / image.height);
        ctx.drawImage(image, 0, 0, image.width * scale, image.height * scale);
      };
      image.src = input.value;
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - rect.left) * canvas.width) / rect.width,
        y: ((event.clientY - rect.top) * canvas.height) / rect.height,
      };
    }

    function save() {
      input.value = canvas.toDataURL("image/png");
    }

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      drawing = true;
      last = point(event);
      canvas.setPointerCapture(event.pointerId);
      ctx.lineWidth = Math.max(2, canvas.width / 250);
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#0b1f4d";
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    });
    const stop = () => {
      if (!drawing) return;
      drawing = false;
      save();
    };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    const clear = document.getElementById("signature-clear");
    if (clear) {
      clear.addEventListener("click", () => {
        input.value = "";
        ctx.clearRect(0, 0, canvas.width, canvas.height);
      });
    }
    window.addEventListener("resize", size);
    form.addEventListener("change", (event) => {
      if (event.target.name === "signature_kind") size();
    });
    size();
    // The form came back with an error: the drawn signature is in the hidden field.
    redraw();
  }

  function location(form) {
    const button = document.getElementById("use-location");
    const status = document.getElementById("location-status");
    const lat = form.querySelector('input[name="latitude"]');
    const lon = form.querySelector('input[name="longitude"]');
    if (!button || !lat || !lon || !("geolocation" in navigator)) return;
    button.hidden = false;
    if (lat.value && lon.value) status.textContent = button.dataset.msgKept;
    button.addEventListener("click", () => {
      status.textContent = button.dataset.msgWait;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          const metres = Math.round(position.coords.accuracy || 0);
          status.textContent = button.dataset.msgOk.replace("{metres}", String(metres));
        },
        () => {
          status.textContent = button.dataset.msgError;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    });
  }

  function personRows() {
    // Empty extra rows stay folded until asked for: a phone screen shows one person at first.
    const button = document.getElementById("person-add");
    const extra = Array.from(document.querySelectorAll("[data-person-extra]"));
    if (!button || !extra.length) return;
    extra.forEach((row) => {
      row.hidden = true;
    });
    button.hidden = false;
    button.addEventListener("click", () => {
      const next = extra.find((row) => row.hidden);
      if (next) {
        next.hidden = false;
        const input = next.querySelector("input");
        if (input) input.focus();
      }
      button.hidden = !extra.some((row) => row.hidden);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("visit-form");
    if (!form) return;
    form.addEventListener("change", () => showBlocks(form));
    showBlocks(form);
    signaturePad(form);
    location(form);
    personRows();
    form.addEventListener("submit", () => {
      // A signature drawn and then another choice made: do not send the drawing.
      const canvas = document.getElementById("signature-pad");
      const input = form.querySelector('input[name="signature"]');
      const drawn = form.querySelector('[name="signature_kind"]:checked');
      if (canvas && input && drawn && drawn.value !== "drawn") input.value = "";
    });
  });
})();
