/* `aula mail-test --to ADDRESS [settings]`: operators check their SMTP
 * setup with the same config `aula serve` reads.
 *
 * Sends one message with a plain-text body and an invite.ics attachment
 * (an event tomorrow at the next full hour, half an hour long) through
 * smtp_url, retrying as the server would, then prints one line saying
 * what happened. Thread: the main thread; runs its own libuv loop. */
#ifndef AULA_EVENT_MAIL_TEST_H
#define AULA_EVENT_MAIL_TEST_H

/* argv holds the arguments after "mail-test". Returns the exit status:
 * 0 when the SMTP server took the message, 1 when it did not or e-mail is
 * off, 2 for a usage or config error. */
int aula_mail_test_main(int argc, char **argv, char **envp);

#endif
