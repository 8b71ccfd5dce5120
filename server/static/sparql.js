// The query page without a round trip for examples: choosing an example fills the query box
// (without JavaScript, the form's Load button does the same through the server), and
// Ctrl+Enter (or Cmd+Enter) in the query box runs the query.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const data = document.getElementById("example-queries");
  const picker = document.getElementById("example");
  const box = document.getElementById("query");
  if (data && picker && box) {
    const texts = new Map(JSON.parse(data.textContent).map((e) => [e.name, e.text]));
    picker.addEventListener("change", () => {
      box.value = texts.get(picker.value) || box.value;
      box.focus();
    });
    document.querySelector(".examples .load").hidden = true;
  }
  if (box) {
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        box.form.requestSubmit();
      }
    });
  }
});
