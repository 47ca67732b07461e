"""The forms of the triage screens: what an action or a panel asks before it calls a service.
They only read and shape input; the services decide whether a move is allowed."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints import selectors
from complaints.models import DESCRIPTION_MAX, Complaint, ResponseTemplate, Status
from complaints.services import TRANSITIONS
from jaki.accounts.models import Organisation


def reply_text(template: ResponseTemplate | None, text: str, complaint: Complaint) -> str:
    """What the officer typed, else the template in the reporter's language."""
    if text.strip() or template is None:
        return text
    language = complaint.reporter.language if complaint.reporter_id else "id"
    return template.text_in(language)


def _templates(status: str | None = None, complaint: Complaint | None = None):
    templates = (
        selectors.response_templates_for(complaint=complaint)
        if complaint is not None
        else ResponseTemplate.objects.filter(is_active=True)
    )
    if status:
        templates = templates.filter(Q(status="") | Q(status=status))
    return templates.select_related("category")


def _visible_original(user, ticket: str) -> Complaint:
    original = selectors.complaints_for_staff(user=user).filter(ticket=ticket.upper()).first()
    if original is None:
        raise forms.ValidationError(_("No complaint you can see has this ticket."))
    return original


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, template: ResponseTemplate) -> str:
        return template.title


class DispatchForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Dispatch to"),
        queryset=Organisation.objects.exclude(kind=Organisation.Kind.KELURAHAN).order_by(
            "kind", "name"
        ),
        help_text=_("The agency (or office) that will do the work."),
    )
    note = forms.CharField(
        label=_("Word to the reporter"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DuplicateForm(forms.Form):
    original = forms.CharField(
        label=_("Ticket of the original"),
        max_length=20,
        help_text=_("For example JKT-2026-000123: a complaint you can see, within 1 km."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_original(self) -> Complaint:
        return _visible_original(self.user, self.cleaned_data["original"].strip())


class ReplyForm(forms.Form):
    """A template or a text of one's own (the text wins when both are given)."""

    template = TemplateChoiceField(label=_("Response template"), queryset=None, required=False)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    text_required = True

    def __init__(self, *args, status: str | None = None, complaint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = _templates(status, complaint)

    def clean(self):
        data = super().clean()
        if self.text_required and not (data.get("text", "").strip() or data.get("template")):
            raise forms.ValidationError(_("Pick a response template or write a text."))
        return data


class RejectForm(ReplyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, status=Status.REJECTED, **kwargs)
        self.fields["text"].label = _("Reason for the rejection (to the reporter)")


class CommentForm(ReplyForm):
    """The change page's reply: public (the reporter is told) or an internal note."""

    public = forms.TypedChoiceField(
        label=_("Who reads it"),
        choices=[("1", _("Public reply to the reporter")), ("0", _("Internal note for staff"))],
        coerce=lambda value: value == "1",
        initial="1",
    )


class MoveForm(ReplyForm):
    """The change page's move: the next statuses the workflow offers from here."""

    to = forms.ChoiceField(label=_("Move to"))
    # The status the officer saw: if someone moved it meanwhile, the service says so (409).
    expected = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    organisation = forms.ModelChoiceField(
        label=_("Dispatch to"),
        queryset=DispatchForm.base_fields["organisation"].queryset,
        required=False,
        help_text=_("Only when dispatching."),
    )
    original = forms.CharField(
        label=_("Ticket of the original"),
        max_length=20,
        required=False,
        help_text=_("Only when marking a duplicate."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    text_required = False  # the service asks for a text where a move needs one

    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        super().__init__(*args, complaint=complaint, **kwargs)
        self.user = user
        self.fields["to"].choices = [
            (to, Status(to).label) for (source, to) in TRANSITIONS if source == complaint.status
        ]
        self.fields["text"].label = _("Word to the reporter")
        self.fields["text"].help_text = _(
            "Needed to resolve (the response) and to reject (the reason)."
        )

    def clean_original(self) -> Complaint | None:
        ticket = self.cleaned_data["original"].strip()
        return _visible_original(self.user, ticket) if ticket else None
