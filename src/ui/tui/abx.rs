//! The ABX screen (placeholder until the ABX layout lands).

use super::AbxView;
use ratatui::Frame;

pub fn draw_abx(_frame: &mut Frame, _v: &AbxView) {}
