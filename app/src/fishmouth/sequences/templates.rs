//! Ready sequences a contractor can copy and edit, shipped as data in
//! `content/sequences/templates.json`.

use std::sync::OnceLock;

use domain::fishmouth::{schedule::SendingWindow, sequence::StepInput};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Template {
    pub key: String,
    pub name: String,
    pub description: String,
    window: Window,
    pub steps: Vec<StepInput>,
}

#[derive(Debug, Deserialize)]
struct Window {
    days: Vec<u8>,
    start: u8,
    end: u8,
}

impl Template {
    pub fn window(&self) -> SendingWindow {
        SendingWindow {
            days: self.window.days.iter().fold(0, |bits, d| bits | (1 << d)),
            start_hour: self.window.start,
            end_hour: self.window.end,
        }
    }
}

const DATA: &str = include_str!("../../../../content/sequences/templates.json");

pub fn all() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    // The file is checked by the test below: it cannot fail to parse in a build that passed.
    TEMPLATES.get_or_init(|| serde_json::from_str(DATA).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use domain::fishmouth::{schedule::SendingWindow, sequence::parse_steps};

    use super::*;

    #[test]
    fn every_template_is_a_valid_sequence() {
        let templates: Vec<Template> = serde_json::from_str(DATA).expect("templates.json parses");
        assert_eq!(templates.len(), 3);
        for t in &templates {
            let steps = parse_steps(&t.steps).unwrap_or_else(|e| panic!("{}: {e:?}", t.key));
            assert!(!steps.is_empty());
            let days: Vec<String> = t.window.days.iter().map(u8::to_string).collect();
            let window = SendingWindow::parse(&days, &t.window.start.to_string(), &t.window.end.to_string())
                .unwrap_or_else(|e| panic!("{}: {e:?}", t.key));
            assert_eq!(window, t.window());
        }
        assert_eq!(all().len(), 3);
    }
}
