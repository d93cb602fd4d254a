/* Interim entry point while the control plane is being assembled. */
int main(void)
{
    return 0;
}
