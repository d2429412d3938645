/* The configure form re-renders its fields after every change (htmx). This keeps what the user
   is typing, where the caret is, and which groups are open across those swaps. */
(function () {
  const form = document.getElementById("configure-form");
  if (!form) return;
  let kept = null;
  let groups = {};

  // Enter in a one-line field must not submit (and so save) the whole form.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.type !== "submit") {
      event.preventDefault();
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

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "fields") return;
    const active = document.activeElement;
    kept = active && active.id && form.contains(active) && "value" in active && active.type !== "checkbox"
      ? { id: active.id, value: active.value, start: active.selectionStart, end: active.selectionEnd }
      : null;
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
    const element = document.getElementById(kept.id);
    if (!element) return;
    if (element.value !== kept.value) element.value = kept.value;  // typed while the request ran
    element.focus();
    try { element.setSelectionRange(kept.start, kept.end); } catch (e) { /* number inputs */ }
  });
})();
