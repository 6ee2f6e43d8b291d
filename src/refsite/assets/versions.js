// refsite: the version selector on the root pages of a versioned site.
//
// Material's "mike" provider reads ../versions.json relative to the site's
// base and links each release at ../<version>/, as mike puts every release
// in a folder beside the others. Here the newest release is also the site
// root, and release X.Y lives at <root>/X.Y/. Served at a server's root,
// "../" from the root is the root itself and nothing needs changing. Under a
// path (https://owner.github.io/repo/) the root's "../" leaves the site: this
// script, run before Material's bundle, answers that one request with the
// root's own versions.json, each version prefixed by the root's folder name,
// so that Material's ../<version>/ lands on <root>/X.Y/.
(function () {
  var base = new URL(document.currentScript.dataset.base, location.href);
  if (base.pathname === "/") return;
  var asked = new URL("../versions.json", base).href;
  var served = new URL("versions.json", base).href;
  var folder = base.pathname.replace(/\/$/, "").split("/").pop();
  var response = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, "response").get;
  var open = XMLHttpRequest.prototype.open;
  function move(text) {
    return JSON.stringify(
      JSON.parse(text).map(function (v) {
        return Object.assign({}, v, { version: folder + "/" + v.version });
      })
    );
  }
  XMLHttpRequest.prototype.open = function (method, url) {
    var args = Array.prototype.slice.call(arguments);
    if (String(url) === asked) {
      var xhr = this;
      args[1] = served;
      // Material reads the body with Blob.text(): hand it the moved list.
      Object.defineProperty(xhr, "response", {
        get: function () {
          var blob = response.call(xhr);
          return {
            text: function () {
              return blob.text().then(move);
            },
          };
        },
      });
    }
    return open.apply(this, args);
  };
})();
