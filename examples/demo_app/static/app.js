// The look-alike "Place order later" button of the changed variant. Clicking it is the
// mistake a healer must never make, so the click is made loud: a message on the page,
// a flag on <body>, and a count on the server (/__demo/state) that a harness can read.
function demoDecoyClicked(button) {
  document.body.dataset.decoyClicked = "true";
  const message = document.getElementById("decoy-message");
  if (message) {
    message.textContent = "Decoy clicked: the order was NOT placed (saved for later).";
    message.hidden = false;
  }
  fetch("/__demo/decoy", { method: "POST" });
}

// Products: submitting the filter form when the category changes, as many shops do.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.name === "category" && target.form) {
    target.form.requestSubmit();
  }
});
