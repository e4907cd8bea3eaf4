//! Share roles and the permission bits they grant (the documented baseline; ACLs are not
//! emulated, so a role is the whole story).

/// A member's role on a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `READ` only.
    Reader,
    /// `READ|WRITE|DELETE|CREATE`: may upload, may not create external links.
    Contributor,
    /// Every permission.
    Admin,
    /// Every permission; the share's owner.
    Owner,
}

/// One of the documented permission bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    Read = 1,
    Write = 2,
    Delete = 4,
    Create = 8,
    Share = 16,
}

impl Role {
    /// The wire name (`owner`, `admin`, `contributor`, `reader`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Contributor => "contributor",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "reader" => Some(Role::Reader),
            "contributor" => Some(Role::Contributor),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    /// The permission bitfield this role grants.
    pub(crate) fn bits(self) -> u32 {
        match self {
            Role::Reader => 1,
            Role::Contributor => 1 | 2 | 4 | 8,
            Role::Admin | Role::Owner => 63,
        }
    }

    /// Whether the role grants `permission`.
    pub(crate) fn allows(self, permission: Permission) -> bool {
        self.bits() & permission as u32 != 0
    }
}

impl Permission {
    /// The documented upper-case name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::Delete => "DELETE",
            Permission::Create => "CREATE",
            Permission::Share => "SHARE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contributor_can_write_but_not_share() {
        assert!(Role::Contributor.allows(Permission::Create));
        assert!(!Role::Contributor.allows(Permission::Share));
        assert!(!Role::Reader.allows(Permission::Write));
        assert!(Role::Admin.allows(Permission::Share));
        assert_eq!(Role::parse("owner"), Some(Role::Owner));
    }
}
