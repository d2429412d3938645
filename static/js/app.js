/* Behaviour shared by every page, kept out of the HTML: the Content-Security-Policy allows no
   inline script or event handler attributes. */
(function () {
  // <form data-confirm="Delete this?">: ask before submitting.
  document.addEventListener("submit", function (event) {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Signing out forgets the drafts of forms kept in this tab (static/js/configure.js).
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented || !event.target.matches("form[data-sign-out]")) return;
    try { sessionStorage.clear(); } catch (e) { /* storage off */ }
  });

  // <select data-navigate>: choosing an option opens the address in its value.
  document.addEventListener("change", function (event) {
    const select = event.target;
    if (select.matches && select.matches("select[data-navigate]") && select.value) {
      window.location = select.value;
    }
  });
})();
