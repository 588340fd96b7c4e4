//! The REST API of Cairn: the tenant API at `/api/v1` (API keys) and the
//! operator API at `/operator/v1` on the apex, described with poem-openapi.
