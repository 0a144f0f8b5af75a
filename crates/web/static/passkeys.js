// Passkey ceremonies in the browser. The server makes every challenge and checks every answer
// (webauthn-rs); this script only carries them between the server and the browser's WebAuthn
// API. A form marked data-passkey="register" adds a passkey (navigator.credentials.create);
// one marked "sign-in" or "verify" answers with one (navigator.credentials.get). Each form
// names its two routes in data-start and data-finish; both posts send its fields (the CSRF
// field among them), the second with the ceremony and the authenticator's answer. Binary values travel as base64url text both ways.
// Plain ES2017, loaded as a file: the pages' CSP allows no inline script.
(function () {
  'use strict';

  var forms = document.querySelectorAll('form[data-passkey]');
  if (!forms.length) return;
  var errorBox = document.getElementById('passkey-error');
  // The words come from the page, in its reader's language (data-* on the error box).
  function words(name) {
    return (errorBox && errorBox.dataset[name]) || name;
  }

  function showError(message) {
    if (!errorBox) return;
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    if (!errorBox) return;
    errorBox.textContent = '';
    errorBox.hidden = true;
  }

  if (!window.PublicKeyCredential || !navigator.credentials) {
    showError(words('unsupported'));
    return;
  }

  function bytesFrom(text) {
    var base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (base64.length % 4) base64 += '=';
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function textFrom(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(descriptors) {
    return (descriptors || []).map(function (d) {
      return Object.assign({}, d, { id: bytesFrom(d.id) });
    });
  }

  function creationOptions(publicKey) {
    return Object.assign({}, publicKey, {
      challenge: bytesFrom(publicKey.challenge),
      user: Object.assign({}, publicKey.user, { id: bytesFrom(publicKey.user.id) }),
      excludeCredentials: withIds(publicKey.excludeCredentials),
    });
  }

  function requestOptions(publicKey) {
    return Object.assign({}, publicKey, {
      challenge: bytesFrom(publicKey.challenge),
      allowCredentials: withIds(publicKey.allowCredentials),
    });
  }

  // Only the credProps output is passed on: it is the one client extension output the
  // server reads at registration, and none is read at sign-in.
  function registrationAnswer(credential) {
    var outputs = credential.getClientExtensionResults ? credential.getClientExtensionResults() : {};
    return {
      id: credential.id,
      rawId: textFrom(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: textFrom(credential.response.attestationObject),
        clientDataJSON: textFrom(credential.response.clientDataJSON),
      },
      extensions: outputs.credProps ? { credProps: outputs.credProps } : {},
    };
  }

  function assertionAnswer(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: textFrom(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: textFrom(response.authenticatorData),
        clientDataJSON: textFrom(response.clientDataJSON),
        signature: textFrom(response.signature),
        userHandle: response.userHandle ? textFrom(response.userHandle) : null,
      },
      extensions: {},
    };
  }

  // Posts `fields` as a form (so the CSRF check reads them as it reads any form) and returns
  // the JSON answer; a refusal throws with the server's own words.
  async function post(url, fields) {
    var response = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams(fields),
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    var body = null;
    try {
      body = await response.json();
    } catch (e) {
      body = null;
    }
    if (!response.ok || !body) {
      throw new Error((body && body.detail) || words('serverRefused').replace('{status}', String(response.status)));
    }
    return body;
  }

  function browserRefusal(e) {
    if (e && e.name === 'NotAllowedError') return words('closed');
    if (e && e.name === 'InvalidStateError') return words('duplicate');
    if (e && e.name === 'SecurityError') return words('insecure');
    return (e && e.message) || words('failed');
  }

  async function ceremony(form) {
    var data = new FormData(form);
    var fields = {};
    data.forEach(function (value, key) { fields[key] = value; });
    var challenge = await post(form.dataset.start, fields);
    var publicKey = challenge.options.publicKey;
    var answer;
    try {
      if (form.dataset.passkey === 'register') {
        answer = registrationAnswer(await navigator.credentials.create({ publicKey: creationOptions(publicKey) }));
      } else {
        answer = assertionAnswer(await navigator.credentials.get({ publicKey: requestOptions(publicKey) }));
      }
    } catch (e) {
      throw new Error(browserRefusal(e));
    }
    var done = await post(form.dataset.finish, Object.assign({}, fields, {
      ceremony: challenge.ceremony,
      credential: JSON.stringify(answer),
    }));
    window.location.assign(done.next);
  }

  Array.prototype.forEach.call(forms, function (form) {
    var button = form.querySelector('button[type="submit"]');
    var busy = false;
    form.hidden = false;
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      if (button) button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      clearError();
      try {
        await ceremony(form);
      } catch (e) {
        showError(e.message);
        busy = false;
        if (button) button.disabled = false;
        form.setAttribute('aria-busy', 'false');
      }
    });
  });
})();
