//! The audit log in sentences: "imported reviews", not `items.imported`. The code stays
//! beside it for whoever searches logs or the API for it.

/// What an audit action says, as the end of a sentence whose subject is who did it.
pub fn sentence(action: &str) -> String {
    let known = match action {
        "api_key.created" => "created an API key",
        "api_key.revoked" => "revoked an API key",
        "campaign.cancelled" => "cancelled a scheduled campaign",
        "campaign.changed" => "changed a campaign",
        "campaign.created" => "created a campaign",
        "campaign.deleted" => "deleted a draft campaign",
        "campaign.paused" => "paused a campaign",
        "campaign.resumed" => "resumed a campaign",
        "campaign.sent" => "sent a campaign",
        "campaign.test_sent" => "sent a test of a campaign to themselves",
        "connection.connected" => "connected a provider account",
        "connection.removed" => "removed a connection",
        "connection.started" => "started connecting a provider account",
        "contact.deleted" => "deleted a contact",
        "contact.suppressed" => "stopped mail to a contact",
        "contact.unsuppressed" => "allowed mail to a contact again",
        "contacts.added" => "added contacts",
        "contacts.imported" => "imported contacts from a file",
        "drafts.settings" => "turned reply drafts on or off",
        "feedback.deleted" => "deleted a feedback answer",
        "feedback.settings_changed" => "changed the feedback email and page",
        "item.assigned" => "assigned an item",
        "item.created" => "added an item",
        "item.noted" => "added a note to an item",
        "item.replied" => "replied to an item",
        "item.reply_deleted" => "deleted a reply",
        "item.tagged" => "tagged an item",
        "items.imported" => "imported reviews from a file",
        "location.archived" => "archived a location",
        "location.created" => "added a location",
        "location.restored" => "restored a location",
        "location.source_set" => "linked a location to its listing",
        "location.updated" => "changed a location",
        "member.invitation_revoked" => "revoked an invitation",
        "member.invited" => "invited someone",
        "member.joined" => "joined the workspace",
        "member.removed" => "removed a member",
        "member.role_changed" => "changed a member's role",
        "privacy.erased" => "erased a person's data",
        "privacy.exported" => "exported a person's data",
        "privacy.objected" => "recorded an objection to mail",
        "privacy.rectified" => "corrected a person's data",
        "privacy.restricted" => "restricted a person's data",
        "showcase.approve" => "approved a review for a showcase",
        "showcase.changed" => "changed a showcase",
        "showcase.created" => "created a showcase",
        "showcase.deleted" => "deleted a showcase",
        "showcase.hide" => "hid a review from a showcase",
        "showcase.pin" => "pinned a review in a showcase",
        "showcase.unapprove" => "took back a showcase approval",
        "showcase.unhide" => "let a review back into a showcase",
        "showcase.unpin" => "unpinned a review in a showcase",
        "template.deleted" => "deleted a reply template",
        "template.saved" => "saved a reply template",
        "webhook.created" => "added a webhook",
        "webhook.deleted" => "deleted a webhook",
        "workspace.plan_changed" => "changed the plan",
        "workspace.created" => "created the workspace",
        "workspace.renamed" => "renamed the workspace",
        "workspace.deleted" => "deleted the workspace",
        "workspace.restored" => "brought the workspace back",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // An action without words yet: its parts, readable ("alerts.changed" → "alerts changed").
    action.replace(['.', '_'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_sentences() {
        assert_eq!(sentence("items.imported"), "imported reviews from a file");
        assert_eq!(sentence("member.role_changed"), "changed a member's role");
        assert_eq!(sentence("alerts.digest_changed"), "alerts digest changed");
        assert_eq!(sentence("showcase.pin"), "pinned a review in a showcase");
    }
}
