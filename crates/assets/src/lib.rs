//! Customer documentation for Cairn: organizations and their configurations,
//! contacts, passwords, wireless networks, VPNs and documents, with sealed
//! secrets, audited reveals and search.
