/* Support Desk: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function typing(event) {
    const t = event.target;
    return t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(t.tagName);
  }

  /* Keyboard: j/k move through list rows, Enter opens, r focuses the reply box, / focuses search. */
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    const rows = Array.from(document.querySelectorAll("[data-row-link]"));
    const current = document.querySelector("[data-row-link].current");
    let index = rows.indexOf(current);
    if ((event.key === "j" || event.key === "k") && rows.length) {
      index = event.key === "j" ? Math.min(index + 1, rows.length - 1) : Math.max(index - 1, 0);
      rows.forEach(function (r) { r.classList.remove("current"); });
      rows[index].classList.add("current");
      rows[index].querySelector("a[data-open]").focus();
      event.preventDefault();
    } else if (event.key === "Enter" && current) {
      window.location = current.dataset.rowLink;
    } else if (event.key === "r") {
      const reply = document.getElementById("reply-body");
      if (reply) { reply.focus(); event.preventDefault(); }
    } else if (event.key === "/") {
      const search = document.querySelector("input[type=search]");
      if (search) { search.focus(); event.preventDefault(); }
    }
  });

  /* Inbox: "select all" checkbox and the count of selected rows in the bulk bar. */
  document.addEventListener("change", function (event) {
    const t = event.target;
    if (t.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = t.checked; });
    }
    if (t.matches("[data-select-all], input[name=ids]")) {
      const n = document.querySelectorAll("input[name=ids]:checked").length;
      const out = document.getElementById("selected-count");
      if (out) out.textContent = n + " selected";
    }
    /* Reply box: an internal note looks like one before it is sent. */
    if (t.matches("#reply-internal")) {
      t.closest(".reply-box").classList.toggle("internal", t.checked);
    }
  });

  /* New ticket: picking a contact from the search-as-you-type list sets the requester. */
  document.addEventListener("click", function (event) {
    const pick = event.target.closest("[data-pick-requester]");
    if (!pick) return;
    document.getElementById("id_requester").value = pick.dataset.pickRequester;
    document.getElementById("requester-search").value = pick.dataset.label;
    document.getElementById("requester-chosen").textContent = "Chosen: " + pick.dataset.label;
    document.getElementById("requester-options").innerHTML = "";
  });

  /* Ticket side panel: show the new value at once (optimistic); the server's answer replaces the
     panel with the saved state, or with the current state and a message when it refuses. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt.closest ? event.detail.elt.closest("[data-optimistic]") : null;
    if (!form) return;
    form.querySelectorAll("select[data-live]").forEach(function (select) {
      const target = document.querySelector('[data-live-value="' + select.dataset.live + '"]');
      if (target && select.selectedOptions.length) {
        target.textContent = select.selectedOptions[0].textContent.trim();
        target.className = "badge " + select.dataset.live + "-" + select.value;
      }
    });
    const status = form.querySelector(".panel-status");
    if (status) { status.className = "panel-status"; status.textContent = "Saving…"; }
    form.classList.add("pending-save");
  });

  /* Refusals (validation 400, permission 403, stale version 412) carry the current state to swap in. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    const code = event.detail.xhr.status;
    if (code === 400 || code === 403 || code === 409 || code === 412) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:sendError", function () {
    document.querySelectorAll(".panel-status").forEach(function (status) {
      status.className = "panel-status error";
      status.textContent = "Could not reach the server; nothing was saved. Reload the page.";
    });
  });
})();
