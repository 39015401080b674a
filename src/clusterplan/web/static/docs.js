/* Renders /openapi.json as a page with a "try it" form per endpoint (a local stand-in for Swagger UI). */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const MAX_SHOWN = 20000;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function typeOf(schema) {
    if (!schema) return "";
    if (schema.anyOf) return schema.anyOf.map(typeOf).filter((t) => t !== "null").join(" or ");
    if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    return schema.type || "";
  }

  function constraints(schema) {
    const found = [];
    const walk = (s) => {
      if (!s) return;
      if (s.anyOf) s.anyOf.forEach(walk);
      for (const key of ["minimum", "maximum", "minLength", "maxLength", "pattern"]) {
        if (s[key] !== undefined) found.push(`${key} ${s[key]}`);
      }
    };
    walk(schema);
    return found.join("; ");
  }

  function example(parameter) {
    const schema = parameter.schema || {};
    if (parameter.examples) {
      const first = Object.values(parameter.examples)[0];
      if (first && first.value !== undefined) return String(first.value);
    }
    if (schema.examples && schema.examples.length) return String(schema.examples[0]);
    if (parameter.example !== undefined) return String(parameter.example);
    return "";
  }

  function endpointId(method, path) {
    return `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-");
  }

  function renderEndpoint(path, method, operation) {
    const id = endpointId(method, path);
    const section = el("section", { className: "endpoint", id, "aria-labelledby": `${id}-title` });
    section.append(
      el("h2", { id: `${id}-title` }, el("span", { className: "method", text: method.toUpperCase() }), path),
      el("p", { text: operation.summary || "" })
    );
    if (operation.description) section.append(el("p", { className: "help", text: operation.description }));
    const parameters = operation.parameters || [];
    const form = el("form", { className: "try", "aria-label": `Try ${method.toUpperCase()} ${path}` });
    if (parameters.length) {
      const table = el("table");
      table.append(
        el("thead", {}, el("tr", {}, ...["Parameter", "In", "Type", "Default", "Constraints", "Description"].map((h) => el("th", { scope: "col", text: h }))))
      );
      const body = el("tbody");
      for (const parameter of parameters) {
        const schema = parameter.schema || {};
        body.append(
          el(
            "tr",
            {},
            el("th", { scope: "row" }, el("code", { text: parameter.name + (parameter.required ? " (required)" : "") })),
            el("td", { text: parameter.in }),
            el("td", { text: typeOf(schema) }),
            el("td", { text: schema.default === undefined || schema.default === null ? "" : String(schema.default) }),
            el("td", {}, el("code", { text: constraints(schema) })),
            el("td", { text: parameter.description || schema.description || "" })
          )
        );
        const inputId = `${id}-${parameter.name}`;
        form.append(
          el(
            "div",
            { className: "field" },
            el("label", { for: inputId, text: parameter.name }),
            el("input", {
              id: inputId,
              name: parameter.name,
              "data-in": parameter.in,
              // Required parameters start with their example; optional ones show it as a hint only.
              value: parameter.required ? example(parameter) : "",
              placeholder: example(parameter),
              required: parameter.required,
            })
          )
        );
      }
      table.append(body);
      section.append(table);
    }
    const responses = Object.entries(operation.responses || {}).map(([code, response]) => `${code} ${response.description || ""}`.trim());
    section.append(el("p", { className: "help", text: "Responses: " + responses.join("; ") }));
    const answer = el("pre", { className: "answer", hidden: true, "aria-live": "polite" });
    form.append(el("button", { type: "submit", text: "Send request" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let url = path;
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll("input")) {
        if (input.dataset.in === "path") url = url.replace(`{${input.name}}`, encodeURIComponent(input.value));
        else if (input.value !== "") query.set(input.name, input.value);
      }
      if (query.toString()) url += "?" + query.toString();
      answer.hidden = false;
      answer.textContent = `GET ${url} …`;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        const text = await response.text();
        let shown = text;
        try {
          shown = JSON.stringify(JSON.parse(text), null, 2);
        } catch (_error) {
          shown = text;
        }
        if (shown.length > MAX_SHOWN) shown = shown.slice(0, MAX_SHOWN) + `\n… (${shown.length.toLocaleString()} characters in all)`;
        answer.textContent = `GET ${url}\n${response.status} ${response.statusText}\n\n${shown}`;
      } catch (error) {
        answer.textContent = `GET ${url} failed: ${error.message}`;
      }
    });
    section.append(form, answer);
    return section;
  }

  async function start() {
    try {
      const response = await fetch("/openapi.json");
      const spec = await response.json();
      $("api-title").textContent = `${spec.info.title} API ${spec.info.version}`;
      $("api-summary").textContent = spec.info.summary || "";
      $("api-description").textContent = spec.info.description || "";
      const toc = $("toc");
      const container = $("endpoints");
      let count = 0;
      for (const [path, operations] of Object.entries(spec.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const id = endpointId(method, path);
          toc.append(el("li", {}, el("a", { href: `#${id}`, text: `${method.toUpperCase()} ${path}` }), ` ${operation.summary || ""}`));
          container.append(renderEndpoint(path, method, operation));
          count += 1;
        }
      }
      $("docs-status").textContent = `${count} endpoints, from /openapi.json (OpenAPI ${spec.openapi}).`;
    } catch (error) {
      $("docs-status").textContent = `Could not load /openapi.json: ${error.message}`;
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
