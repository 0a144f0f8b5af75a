//! Who is asking, and from where. Built by `web` from a session or an API token, and checked by
//! each use case against the roles in `domain::roles`.

use crate::error::AppError;
use crate::text::Text;
use domain::ids::{OrgId, StaffId, UserId};
use domain::roles::{PartnerPermission, PartnerRole, StaffPermission, StaffRole};
use i18n::{Key, key};
use store::Principal;

/// A signed-in user of a partner org.
#[derive(Clone, Debug)]
pub struct PartnerUser {
    pub id: UserId,
    pub org_id: OrgId,
    pub role: PartnerRole,
    pub name: String,
    pub email: String,
    /// Whether they proved they receive mail at `email` (see [`PartnerUser::require_verified_email`]).
    pub email_verified: bool,
    /// The language they chose under Account (a shipped tag); `None`: their browser's.
    pub language: Option<String>,
    /// The time zone they chose under Account; `None`: the program's.
    pub time_zone: Option<chrono_tz::Tz>,
}

/// A signed-in member of the program staff.
#[derive(Clone, Debug)]
pub struct StaffMember {
    pub id: StaffId,
    pub role: StaffRole,
    pub name: String,
    pub email: String,
    /// The language they chose under Account (a shipped tag); `None`: their browser's.
    pub language: Option<String>,
    /// The time zone they chose under Account; `None`: the program's.
    pub time_zone: Option<chrono_tz::Tz>,
}

#[derive(Clone, Debug)]
pub enum Actor {
    Partner(PartnerUser),
    Staff(StaffMember),
}

/// Where a request came from, for the audit log.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The client's IP address; `None` for the CLI and background jobs.
    pub address: Option<String>,
    /// `web`, `api` or `cli`.
    pub channel: &'static str,
    /// The browser's `User-Agent`, for the list of sessions (pages only).
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn cli() -> Origin {
        Origin::system("cli")
    }

    /// A change made by partnerhub itself (a job, the first start) or its command line.
    pub fn system(channel: &'static str) -> Origin {
        Origin { address: None, channel, user_agent: None }
    }
}

impl PartnerUser {
    /// Refuses what the role does not allow; `what` names the act, as a phrase of the message
    /// files ("see invoices").
    pub fn require(&self, permission: PartnerPermission, what: Key) -> Result<(), AppError> {
        if self.role.allows(permission) { Ok(()) } else { Err(AppError::forbidden(what)) }
    }

    /// Refuses `what` (buying, inviting users, making API tokens) until the user has proved
    /// their address: until then anyone could have typed it (decided in issue 20).
    pub fn require_verified_email(&self, what: Key) -> Result<(), AppError> {
        if self.email_verified {
            return Ok(());
        }
        Err(AppError::Refused {
            code: "email_unverified",
            message: Text::new(key("error-email-unverified")).phrase("what", what).arg("email", &self.email),
        })
    }
}

impl StaffMember {
    pub fn require(&self, permission: StaffPermission, what: Key) -> Result<(), AppError> {
        if self.role.allows(permission) { Ok(()) } else { Err(AppError::forbidden(what)) }
    }
}

impl Actor {
    pub fn name(&self) -> &str {
        match self {
            Actor::Partner(u) => &u.name,
            Actor::Staff(s) => &s.name,
        }
    }

    pub fn partner(&self) -> Option<&PartnerUser> {
        match self {
            Actor::Partner(u) => Some(u),
            Actor::Staff(_) => None,
        }
    }

    pub fn staff(&self) -> Option<&StaffMember> {
        match self {
            Actor::Staff(s) => Some(s),
            Actor::Partner(_) => None,
        }
    }

    /// The account, as the store names it.
    pub fn principal(&self) -> store::Principal {
        match self {
            Actor::Partner(u) => store::Principal::User(u.id.clone()),
            Actor::Staff(s) => store::Principal::Staff(s.id.clone()),
        }
    }

    /// The language they chose under Account, if they chose one.
    pub fn language(&self) -> Option<&str> {
        match self {
            Actor::Partner(u) => u.language.as_deref(),
            Actor::Staff(s) => s.language.as_deref(),
        }
    }

    /// The time zone they chose under Account, if they chose one.
    pub fn time_zone(&self) -> Option<chrono_tz::Tz> {
        match self {
            Actor::Partner(u) => u.time_zone,
            Actor::Staff(s) => s.time_zone,
        }
    }

    pub fn email(&self) -> &str {
        match self {
            Actor::Partner(u) => &u.email,
            Actor::Staff(s) => &s.email,
        }
    }
}

/// The current name and role of `principal`, read on the caller's connection; `None` when the
/// user or staff member is gone. (Sessions, API tokens and single sign-on all start here.)
pub(crate) async fn actor_in(conn: &mut store::Conn, principal: &Principal) -> Result<Option<Actor>, AppError> {
    Ok(match principal {
        Principal::User(id) => store::users::get(conn, id).await?.map(|u| {
            Actor::Partner(PartnerUser {
                id: u.id,
                org_id: u.org_id,
                role: u.role,
                name: u.name.to_string(),
                email: u.email.to_string(),
                email_verified: u.email_verified_at.is_some(),
                language: u.language,
                time_zone: u.time_zone,
            })
        }),
        Principal::Staff(id) => store::staff::get(conn, id).await?.map(|s| {
            Actor::Staff(StaffMember {
                id: s.id,
                role: s.role,
                name: s.name.to_string(),
                email: s.email.to_string(),
                language: s.language,
                time_zone: s.time_zone,
            })
        }),
    })
}
