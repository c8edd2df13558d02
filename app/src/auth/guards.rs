//! Checks every server function makes the same way.

use uuid::Uuid;

use crate::error::AppError;

/// A row id from a request. Anything that is not an id is a row that does not exist: 404,
/// the same answer as someone else's row, so ids cannot be probed.
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_anything_else_is_not_found() {
        let id = Uuid::new_v4();
        assert_eq!(parse_id(&format!(" {id} ")), Ok(id));
        for raw in ["", "42", "' OR 1=1 --", "00000000-0000-0000-0000-00000000000g"] {
            assert_eq!(parse_id(raw), Err(AppError::NotFound), "{raw:?}");
        }
    }
}
