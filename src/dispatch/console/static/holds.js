// The "On hold" list of the dispatcher page: orders fraud screening held, with why, and
// the two ways out (approve: the order goes on; reject: cancelled, stock released).
// Plain browser JavaScript; dispatcher.js calls DispatchHolds.draw after each snapshot.
"use strict";

window.DispatchHolds = (function () {
  function money(minor, currency) {
    return (minor / 100).toFixed(2) + " " + currency;
  }

  function button(text, className, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // ``api(path, options)`` calls the API as the signed-in dispatcher; ``done(message,
  // isError)`` reports and refreshes the page.
  function draw(list, holds, api, done) {
    list.replaceChildren();
    if (!holds.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = "none";
      list.appendChild(none);
      return;
    }
    for (const hold of holds) {
      const item = document.createElement("li");
      item.className = "hold";
      item.dataset.orderId = hold.id;
      const title = document.createElement("strong");
      title.textContent = "#" + hold.id + " " + hold.customer + ", " +
        money(hold.total_minor, hold.currency) + " (risk " + hold.score.toFixed(2) + ")";
      const reasons = document.createElement("ul");
      for (const reason of hold.reasons) {
        const line = document.createElement("li");
        line.textContent = reason;
        reasons.appendChild(line);
      }
      const decide = (action, body, said) => async () => {
        try {
          await api("/orders/" + hold.id + "/" + action,
                    { method: "POST", body: JSON.stringify(body) });
          done("Order " + hold.id + " " + said + ".", false);
        } catch (e) {
          done(e.message, true);
        }
      };
      item.append(title, reasons,
        button("Approve", "approve", decide("approve", {}, "approved")),
        button("Reject", "reject",
               decide("reject", { reason: "rejected after fraud review" }, "rejected")));
      list.appendChild(item);
    }
  }

  return { draw };
})();
