// The id field of an "add" form follows the name as a slug ("Thame MAST" -> thame-mast)
// until the user types an id of their own; the server makes the same slug when it is left empty.
(function () {
  "use strict";
  function slugify(name) {
    return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "");
  }
  document.querySelectorAll("input[data-slug-from]").forEach(function (id) {
    var name = document.getElementById(id.getAttribute("data-slug-from"));
    if (!name) return;
    var follows = id.value === "" || id.value === slugify(name.value);
    // A name typed before this script ran (a slow page) is followed at once.
    if (follows && name.value) id.value = slugify(name.value);
    id.addEventListener("input", function () { follows = id.value === ""; });
    name.addEventListener("input", function () { if (follows) id.value = slugify(name.value); });
  });
})();
