// The configure page's "Sample documents": upload a file to the document store and put its
// reference into the sample variables JSON under the chosen name (connectors/documents/views.py).
(function () {
  "use strict";

  function status(text, isError) {
    var node = document.getElementById("sample-document-status");
    node.textContent = text;
    node.className = isError ? "small error" : "small";
  }

  function currentVariables(area) {
    var text = area.value.trim();
    if (!text) return {};
    var parsed = JSON.parse(text);  // a SyntaxError is reported by the caller
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new SyntaxError("the sample variables are not a JSON object");
    }
    return parsed;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "sample-document-form") return;
    event.preventDefault();
    var area = document.getElementById("id_variables");
    var variables;
    try {
      variables = currentVariables(area);
    } catch (error) {
      status("Fix the sample variables first: " + error.message, true);
      return;
    }
    status("Uploading…", false);
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        if (!answer.ok) {
          status(answer.data.error || "The upload was refused.", true);
          return;
        }
        variables[answer.data.name] = answer.data.reference;
        area.value = JSON.stringify(variables, null, 2);
        // the configure form refreshes its job preview on change
        area.dispatchEvent(new Event("change", { bubbles: true }));
        var meta = answer.data.reference.metadata || {};
        status("Attached " + (meta.fileName || "the file") + " (" + meta.size + " bytes) as " +
          answer.data.name + ".", false);
        form.reset();
        document.getElementById("sample-document-name").value = answer.data.name;
      })
      .catch(function () { status("The upload failed; try again.", true); });
  });
})();
