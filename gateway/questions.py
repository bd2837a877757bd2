"""The security questions a user may pick from (ids are stored, so never renumber them).

The texts are translated (read in the page's language); only the ids and the normalised
answers are used to wrap the recovery copy, so answers work whatever language the page had."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

QUESTIONS: dict[str, str | Promise] = {
    "first_pet": _("What was the name of your first pet?"),
    "childhood_street": _("What was the name of the street you grew up on?"),
    "first_school": _("What was the name of your first school?"),
    "childhood_friend": _("What was the first name of your childhood best friend?"),
    "first_teacher": _("What was the last name of your first teacher?"),
    "parents_met": _("In which town or city did your parents meet?"),
    "first_job": _("What was your first job?"),
    "favourite_book": _("What is the title of your favourite childhood book?"),
    "first_concert": _("Who did you see at your first concert?"),
    "grandmother_name": _("What is your oldest grandparent's first name?"),
    "first_car": _("What was the make and model of your first car or bike?"),
    "dream_job": _("What did you want to be when you grew up?"),
}

REQUIRED_QUESTIONS = 3
