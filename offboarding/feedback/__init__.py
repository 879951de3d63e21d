"""What leavers tell us: the interview guide, confidential answers, surveys, follow-ups and reports.

Decisions on confidentiality (DESIGN.md section 5):
- Answers are read and written by the assigned interviewer, HR holding
  `feedback.view_confidential_answers`, and the employee (their own). HR without the permission
  get 403; managers (even ones who also hold the permission), other interviewers, IT and
  other employees get 404. Managers read only answers the employee chose to share, attributed,
  through /interviews/{id}/shared/.
- Interviewer notes are for the interviewer and permitted HR only, never shown to the employee.
- The employee writes before the interview (pre-interview questionnaire) and after declining it
  (the written questionnaire); the interviewer and HR until the interview is closed. After that
  the only change allowed is the employee's consent to share. Only the employee gives consent,
  and it lapses when someone else rewrites the answer it was given for.
- The admin shows metadata only, never text; every decrypted read is in ConfidentialAccess.
"""
