// The card page with the Stripe gateway: Stripe.js collects the card in its own element, confirms
// the SetupIntent the server made for the org's Stripe customer, and the form then posts only the
// resulting payment method id (pm_…) — the card number never reaches our server.
// Plain ES2017, loaded after Stripe.js; no inline script (the page's CSP forbids it).
(function () {
  'use strict';

  var form = document.getElementById('card-form');
  if (!form) return;
  var errors = document.getElementById('card-errors');
  var pmInput = document.getElementById('stripe-payment-method');
  var button = form.querySelector('button[type="submit"], button:not([type])');

  function showError(message) {
    if (!errors) return;
    errors.textContent = message || 'The card could not be saved. Please try again.';
    errors.hidden = false;
  }

  function clearError() {
    if (!errors) return;
    errors.textContent = '';
    errors.hidden = true;
  }

  function setBusy(busy) {
    if (button) button.disabled = busy;
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  if (typeof window.Stripe !== 'function') {
    showError('Card entry could not load. Check your connection and reload the page.');
    if (button) button.disabled = true;
    return;
  }

  var stripe;
  var card;
  try {
    stripe = window.Stripe(form.dataset.publishableKey);
    card = stripe.elements().create('card');
    card.mount('#card-element');
  } catch (e) {
    showError('Card entry could not load: ' + (e && e.message ? e.message : String(e)));
    if (button) button.disabled = true;
    return;
  }

  if (typeof card.on === 'function') {
    card.on('change', function (event) {
      if (event && event.error) showError(event.error.message);
      else clearError();
    });
  }

  var submitting = false;
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    if (submitting) return;
    submitting = true;
    setBusy(true);
    clearError();
    var result;
    try {
      // A new object each time: a failed attempt must not leave anything behind in it.
      result = await stripe.confirmCardSetup(form.dataset.setupSecret, { payment_method: { card: card } });
    } catch (e) {
      result = { error: { message: e && e.message ? e.message : String(e) } };
    }
    var setupIntent = result && result.setupIntent;
    var error = result && result.error;
    var pm = setupIntent && setupIntent.payment_method;
    var pmId = typeof pm === 'string' ? pm : (pm && pm.id) || '';
    if (error || !pmId) {
      var message = error && (error.message || (typeof error === 'string' ? error : ''));
      showError(message);
      submitting = false;
      setBusy(false);
      return;
    }
    pmInput.value = pmId;
    // form.submit() skips this listener, so the form goes to the server once.
    form.submit();
  });
})();
