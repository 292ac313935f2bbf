// "Contact support" links open the chat widget; without the widget they fall back to the footer.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-kefu-open]");
  if (!link) return;
  if (window.Kefu && typeof window.Kefu.open === "function") {
    event.preventDefault();
    window.Kefu.open();
  }
});
