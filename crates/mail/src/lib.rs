//! Outbound mail for Cairn: German and English templates branded per tenant,
//! lettre transports (SMTP, file, stub) and a durable outbox that a
//! background worker drains with retries, so no mail is ever lost.
