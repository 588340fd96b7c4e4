//! Accounts for Cairn: users, invitations, passwords, server-side sessions,
//! TOTP MFA with recovery codes, login throttling, and the one access policy
//! (`can(principal, action, resource)`) that decides every access.
