// A table wider than the screen scrolls inside itself; make such a table reachable by keyboard to scroll it.
const mark = () => {
  for (const table of document.querySelectorAll("main table")) {
    if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
    else table.removeAttribute("tabindex");
  }
};
mark();
window.addEventListener("resize", mark);
