"""The security questions a user may pick from (ids are stored, so never renumber them)."""

QUESTIONS: dict[str, str] = {
    "first_pet": "What was the name of your first pet?",
    "childhood_street": "What was the name of the street you grew up on?",
    "first_school": "What was the name of your first school?",
    "childhood_friend": "What was the first name of your childhood best friend?",
    "first_teacher": "What was the last name of your first teacher?",
    "parents_met": "In which town or city did your parents meet?",
    "first_job": "What was your first job?",
    "favourite_book": "What is the title of your favourite childhood book?",
    "first_concert": "Who did you see at your first concert?",
    "grandmother_name": "What is your oldest grandparent's first name?",
    "first_car": "What was the make and model of your first car or bike?",
    "dream_job": "What did you want to be when you grew up?",
}

REQUIRED_QUESTIONS = 3
