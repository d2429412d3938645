/* Export page: find connectors in the list and tick or untick the ones shown at once.
   A file of its own (script-src 'self'): the Content-Security-Policy allows no inline script. */
(function () {
  const form = document.getElementById("export-form");
  const search = document.getElementById("export-search");
  if (!form || !search) return;
  const rows = Array.from(form.querySelectorAll(".export-list tbody tr[data-search]"));
  const count = document.getElementById("export-shown");

  function shown() {
    return rows.filter(function (row) { return !row.hidden; });
  }

  function filter() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    rows.forEach(function (row) {
      const text = row.dataset.search;
      row.hidden = !words.every(function (word) { return text.includes(word); });
    });
    if (count) count.textContent = shown().length + " of " + rows.length + " shown";
  }

  function tick(checked) {
    shown().forEach(function (row) {
      row.querySelector("input[type=checkbox]").checked = checked;
    });
    // one change for the form: htmx asks the server what the export would hold
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  search.addEventListener("input", filter);
  // Typing a search changes no selection: keep its events from the form's htmx check.
  search.addEventListener("change", function (event) { event.stopPropagation(); });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault(); // Enter searches; it does not download
  });
  document.getElementById("export-select-shown").addEventListener("click", function () { tick(true); });
  document.getElementById("export-select-none").addEventListener("click", function () {
    rows.forEach(function (row) { row.querySelector("input[type=checkbox]").checked = false; });
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  filter();
})();
