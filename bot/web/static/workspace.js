// Progressive enhancement only: every page works without this file.
// Ask before a merge, which moves every problem of a theme.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.action.endsWith("/merge") && !window.confirm(form.querySelector("legend").textContent + "?")) {
    event.preventDefault();
  }
});
