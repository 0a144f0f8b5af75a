//! Notifications in the portal. Each is kept with its title and body as message keys and
//! values, so that every reader reads it in their own language, and also as written in the
//! program's default language: notifications from before keys were kept show that text.

use crate::error::AppError;
use crate::state::App;
use crate::text::Text;
use domain::ids::{NotificationId, OrgId, SubscriptionId};
use serde::{Deserialize, Serialize};
use store::notifications::Notification;

/// The stored form of a notification's words: each a [`Text::to_stored`].
#[derive(Serialize, Deserialize)]
struct Message {
    title: String,
    body: String,
}

/// Records a notification for `org` once by its `dedupe_key`; `true` if this call recorded it
/// (and so its e-mails should go out).
pub(crate) async fn record(
    app: &App,
    tx: &mut store::Conn,
    org: &OrgId,
    subscription: Option<&SubscriptionId>,
    dedupe_key: String,
    title: &Text,
    body: &Text,
) -> Result<bool, AppError> {
    let default = crate::outbox::language_of(app, None);
    let message = Message { title: title.to_stored(), body: body.to_stored() };
    let n = Notification {
        id: app.new_id(NotificationId::from_random),
        org_id: org.clone(),
        subscription_id: subscription.cloned(),
        dedupe_key,
        title: title.in_lang(&default),
        body: body.in_lang(&default) + "\n",
        message: serde_json::to_string(&message).ok(),
        created_at: app.now(),
    };
    Ok(store::notifications::insert_once(tx, &n).await?)
}

/// The notification with its title and body in `lang`; one from before keys were kept, or
/// whose keys cannot be read, as it was written.
pub(crate) fn in_lang(mut n: Notification, lang: &i18n::Lang) -> Notification {
    let message = n.message.as_deref().and_then(|m| serde_json::from_str::<Message>(m).ok());
    if let Some(message) = message
        && let (Some(title), Some(body)) = (Text::from_stored(&message.title), Text::from_stored(&message.body))
    {
        n.title = title.in_lang(lang);
        n.body = body.in_lang(lang);
    }
    n
}
