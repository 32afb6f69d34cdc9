//! Who may use the destination: the business-user access settings the host enforces
//! before anything is sent.

use clap::ValueEnum;

use crate::settings_file::SettingsFile;

/// The role of the person running the job in the CDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// A workspace administrator: always allowed.
    Admin,
    /// A business user: needs `allow_business_users`.
    Business,
    /// A business user with restricted PII access: also needs `allow_limited_pii_access`.
    BusinessRestrictedPii,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "business users may not use this destination: set \"allow_business_users\": true in the settings to allow them"
    )]
    BusinessUsers,
    #[error(
        "business users with restricted PII access may not use this destination: set \"allow_limited_pii_access\": true (and \"allow_business_users\": true) in the settings to allow them"
    )]
    LimitedPii,
}

pub fn check(role: Role, settings: &SettingsFile) -> Result<(), AccessError> {
    let business = settings.flag("allow_business_users");
    let limited_pii = settings.flag("allow_limited_pii_access");
    match role {
        Role::Admin => Ok(()),
        Role::Business if business => Ok(()),
        Role::Business => Err(AccessError::BusinessUsers),
        Role::BusinessRestrictedPii if business && limited_pii => Ok(()),
        Role::BusinessRestrictedPii if !business => Err(AccessError::BusinessUsers),
        Role::BusinessRestrictedPii => Err(AccessError::LimitedPii),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::types::{Setting, SettingValue};

    fn settings(business: bool, limited_pii: bool) -> SettingsFile {
        let flag = |key: &str, on: bool| Setting {
            key: key.into(),
            value: SettingValue::Boolean(on),
        };
        SettingsFile {
            settings: vec![
                flag("allow_business_users", business),
                flag("allow_limited_pii_access", limited_pii),
            ],
            raw: Default::default(),
        }
    }

    #[test]
    fn each_role_needs_its_settings() {
        use AccessError::*;
        let cases = [
            (Role::Admin, false, false, Ok(())),
            (Role::Business, false, false, Err(BusinessUsers)),
            (Role::Business, true, false, Ok(())),
            (Role::BusinessRestrictedPii, false, true, Err(BusinessUsers)),
            (Role::BusinessRestrictedPii, true, false, Err(LimitedPii)),
            (Role::BusinessRestrictedPii, true, true, Ok(())),
        ];
        for (role, business, pii, expected) in cases {
            assert_eq!(
                check(role, &settings(business, pii)),
                expected,
                "{role:?} {business} {pii}"
            );
        }
    }
}
