//! The assistant's mind on a call: what to say to what she said. The opening is always the
//! domain's (the disclosure the law asks for is never left to a model); the replies come
//! from an [`Agent`]. Without an AI model the agent is the domain's rules.

use domain::fishmouth::voice::{self, CallContext, Stage, Turn};
use futures_util::future::BoxFuture;

use super::providers::ProviderError;

/// The conversation so far, as the agent sees it.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    pub stage: Option<Stage>,
    /// Her answers so far (the one being answered included).
    pub answers: usize,
    /// (homeowner?, words), oldest first.
    pub lines: Vec<(bool, String)>,
}

pub trait Agent: Send + Sync {
    fn reply<'a>(
        &'a self,
        ctx: &'a CallContext,
        convo: &'a Conversation,
        heard: &'a str,
    ) -> BoxFuture<'a, Result<Turn, ProviderError>>;
}

/// The built-in dialogue rules (`domain::fishmouth::voice`): the offline default.
pub struct Rules;

impl Agent for Rules {
    fn reply<'a>(
        &'a self,
        ctx: &'a CallContext,
        convo: &'a Conversation,
        heard: &'a str,
    ) -> BoxFuture<'a, Result<Turn, ProviderError>> {
        let stage = convo.stage.unwrap_or(Stage::Opened);
        Box::pin(std::future::ready(Ok(voice::respond(ctx, stage, convo.answers, heard))))
    }
}
