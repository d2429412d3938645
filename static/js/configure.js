/* The configure form re-renders its fields after every change (htmx). This keeps what the user
   is typing, the caret and focus, and which groups are open across those swaps; it also takes
   typed values along to another template version and back to the form after leaving it. */
(function () {
  const form = document.getElementById("configure-form");
  if (!form) return;
  let kept = null;
  let groups = {};

  // Enter in a one-line field of the form must not submit the whole form (as the first
  // button, a dry-run); Enter in the name field saves, as its Save button does.
  form.addEventListener("keydown", function (event) {
    const input = event.target;
    if (event.key !== "Enter" || input.tagName !== "INPUT" || input.type === "submit") return;
    event.preventDefault();
    if (input.id === "id_name") {
      form.requestSubmit(form.querySelector("button[name=action][value=save]"));
    }
  });

  // The secrets picker writes a reference into its field before htmx sends the change.
  form.addEventListener("change", function (event) {
    const picker = event.target;
    if (!picker.classList || !picker.classList.contains("secret-picker") || !picker.value) return;
    const input = document.getElementById(picker.dataset.target);
    if (input) input.value = "{{secrets." + picker.value + "}}";
    picker.value = "";
  }, true);

  // A link in the list of fields to fix opens the group the field is in.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest(".fix-list a");
    if (!link) return;
    const target = document.querySelector(link.getAttribute("href"));
    const group = target && target.closest("details");
    if (group) group.open = true;
  });

  // A click is a press and a release on the same element. The status card holding Dry-run is
  // replaced by each background refresh; one landing between press and release would swallow
  // the click. So while a button of the form is held, a refresh leaves the card containing it
  // alone, and the form is refreshed after the release if nothing was submitted.
  let pressed = null;
  let skipped = false;
  let submitted = false;
  form.addEventListener("pointerdown", function (event) {
    pressed = event.target.closest && event.target.closest("button");
  });
  form.addEventListener("submit", function () { submitted = true; });
  document.body.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (pressed && event.detail.target.contains(pressed)) {
      event.detail.shouldSwap = false;
      skipped = true;
    }
  });
  ["pointerup", "pointercancel"].forEach(function (name) {
    document.addEventListener(name, function () {
      if (!pressed) return;
      pressed = null;
      setTimeout(function () {  // after the click and the submit it may cause
        if (skipped && !submitted) htmx.trigger(form, "change");
        skipped = false;
      }, 0);
    });
  });

  // Where the focus is, said in a way that survives the swap: the control's id, or else the
  // n-th focusable control of its field row (tooltips and fx toggles have no id).
  const FOCUSABLE = "input:not([type=hidden]), select, textarea, button, a[href], summary, [tabindex]";

  function focusPlace(active) {
    if (!active || active === document.body || !form.contains(active)) return null;
    if (active.id) return { id: active.id };
    const anchor = active.closest("[data-key], details[data-group]");
    if (!anchor) return null;
    const selector = anchor.dataset.key !== undefined
      ? "[data-key='" + CSS.escape(anchor.dataset.key) + "']"
      : "details[data-group='" + CSS.escape(anchor.dataset.group) + "']";
    const index = Array.prototype.indexOf.call(anchor.querySelectorAll(FOCUSABLE), active);
    return { anchor: selector, index: index };
  }

  function findPlace(place) {
    if (place.id) return document.getElementById(place.id);
    const anchor = form.querySelector(place.anchor);
    return anchor ? anchor.querySelectorAll(FOCUSABLE)[place.index] || null : null;
  }

  function typesText(element) {
    return element.tagName === "TEXTAREA" || (element.tagName === "INPUT" &&
      ["text", "password", "search", "url", "email", "number", "tel"].indexOf(element.type) >= 0);
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "fields") return;
    const active = document.activeElement;
    kept = focusPlace(active);
    if (kept && typesText(active)) {
      kept.value = active.value;
      kept.start = active.selectionStart;
      kept.end = active.selectionEnd;
    }
    groups = {};
    form.querySelectorAll("details[data-group]").forEach(function (d) { groups[d.dataset.group] = d.open; });
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "fields" && !(event.detail.elt && event.detail.elt.id === "fields")) return;
    // The user's choice wins; a group that just appeared opens as the server decided.
    form.querySelectorAll("details[data-group]").forEach(function (d) {
      if (d.dataset.group in groups) d.open = groups[d.dataset.group];
    });
    if (!kept) return;
    const element = findPlace(kept);
    if (!element) return;
    if ("value" in kept && typesText(element) && element.value !== kept.value) {
      element.value = kept.value;  // typed while the request ran
    }
    element.focus({ preventScroll: true });
    if ("start" in kept) {
      try { element.setSelectionRange(kept.start, kept.end); } catch (e) { /* number inputs */ }
    }
  });

  // The template version switch takes what was typed along: it posts the form to the chosen
  // version's page, which keeps the values whose fields still exist and names the others.
  const versionSwitch = document.getElementById("version-switch");
  if (versionSwitch) {
    versionSwitch.addEventListener("change", function () {
      if (!versionSwitch.value) return;
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "switch";
      form.appendChild(action);
      form.action = versionSwitch.value;
      form.submit();  // a plain submit: not an htmx request, the whole page is wanted
    });
  }

  // A draft of the form in this tab's sessionStorage, so that Back (from a run page, say)
  // brings the typed values back: signed-in pages are not cached, so the browser reloads an
  // empty form. Credentials typed in plain text stay out of it; signing out clears it.
  const draftKey = "configure-draft:" + form.dataset.draft;

  function saveDraft() {
    const data = new FormData(form);
    form.querySelectorAll("input[type=password], textarea.concealed").forEach(function (e) {
      data.delete(e.name);
    });
    data.delete("csrfmiddlewaretoken");
    data.delete("action");
    try { sessionStorage.setItem(draftKey, new URLSearchParams(data).toString()); } catch (e) { /* full or off */ }
  }

  function restoreDraft(draft) {
    const params = new URLSearchParams(draft);
    const values = {};
    params.forEach(function (value, name) { (values[name] = values[name] || []).push(value); });
    ["name", "variables"].forEach(function (name) {
      if (params.has(name)) form.elements[name].value = params.get(name);
    });
    // The server renders the fields for these values (conditions, errors, the job preview).
    htmx.ajax("POST", form.getAttribute("hx-post"), {
      source: form, target: "#fields", swap: "outerHTML", values: values,
    });
  }

  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
  const navigation = performance.getEntriesByType("navigation")[0];
  let draft = null;
  try { draft = sessionStorage.getItem(draftKey); } catch (e) { /* storage off */ }
  if (draft && navigation && navigation.type === "back_forward") {
    // After htmx has set the page up (its own DOMContentLoaded handler comes first).
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { restoreDraft(draft); });
    } else {
      restoreDraft(draft);
    }
  }
})();
